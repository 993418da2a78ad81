using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Data;
using Segmenter.Core.Demo;
using Segmenter.Core.Identity;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core;

public static class CoreServices
{
    /// <summary>Everything Segmenter.Core needs, for the web host, jobs and tools alike.</summary>
    public static IServiceCollection AddSegmenterCore(this IServiceCollection services, string connectionString)
    {
        services.AddOptions<RuleLimits>().BindConfiguration(RuleLimits.Section);
        services.AddOptions<RefreshOptions>().BindConfiguration(RefreshOptions.Section);
        services.AddScoped<RuleQueries>();
        services.AddScoped<SegmentMembers>();
        services.AddScoped<Audit.AuditActor>();
        services.AddScoped<Audit.AuditLog>();
        services.AddScoped<RefreshByHand>();
        services.AddScoped<MembershipEngine>();
        services.AddScoped<MembershipStats>();
        services.AddScoped<ApiKeys.ApiKeys>();
        services.AddScoped<ProvisionTenant>();
        services.AddScoped<TenantMemberships>();
        services.AddScoped<TenantAdministration>();
        services.AddScoped<Fields.CreateField>();
        services.AddScoped<Contacts.UpsertContacts>();
        services.AddScoped<Contacts.AddEvents>();
        services.AddScoped<Contacts.DeleteContact>();
        services.AddScoped<Contacts.ContactDirectory>();
        services.AddScoped<Contacts.ImportContacts>();
        services.AddTransient<Contacts.ImportContactsJob>();
        services.AddScoped<Campaigns.Audiences>();
        services.AddScoped<CreateSegment>();
        services.AddScoped<UpdateSegment>();
        services.AddScoped<DeleteSegment>();
        services.AddScoped<DuplicateSegment>();
        services.AddScoped<SegmentTable>();
        services.AddScoped<ListMembers>();
        services.AddScoped<FreezeSegment>();
        services.AddTransient<RefreshJob>();
        services.AddTransient<SweepJob>();
        services.AddSingleton<RealtimeMembership>();
        services.AddHostedService(sp => sp.GetRequiredService<RealtimeMembership>());
        services.AddSingleton<ContactWritesInterceptor>();
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<TenantContext>();
        services.AddScoped<ITenantContext>(sp => sp.GetRequiredService<TenantContext>());

        // Scoped, so each context is built with the tenant of the scope (request, circuit or job) asking for it.
        services.AddDbContextFactory<SegmenterDbContext>(
            (sp, options) => SegmenterDbContext.Configure(options, connectionString).AddInterceptors(sp.GetRequiredService<ContactWritesInterceptor>()),
            ServiceLifetime.Scoped);

        services.AddIdentityCore<SegmenterUser>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.Password.RequiredLength = 10;
                identity.Lockout.MaxFailedAccessAttempts = 5;
            })
            .AddEntityFrameworkStores<SegmenterDbContext>();

        services.AddScoped<DemoSeeder>();
        return services;
    }
}
