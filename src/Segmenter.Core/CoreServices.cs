using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// <summary>As below, on one cluster without a replica: tests and tools.</summary>
    public static IServiceCollection AddSegmenterCore(this IServiceCollection services, string connectionString) =>
        services.AddSegmenterCore(new DatabaseTopology(new Cluster(DatabaseTopology.HomeName, connectionString)));

    /// <summary>Everything Segmenter.Core needs, for the web host, jobs and tools alike, on the clusters of <paramref name="topology"/>.</summary>
    public static IServiceCollection AddSegmenterCore(this IServiceCollection services, DatabaseTopology topology)
    {
        services.AddOptions<RuleLimits>().BindConfiguration(RuleLimits.Section);
        services.AddOptions<ReadReplicaOptions>().BindConfiguration(ReadReplicaOptions.Section);
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

        services.AddSingleton(topology);
        services.AddSingleton<TenantPlacements>();
        services.AddSingleton<ReplicaHealth>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaHealth>());
        services.AddSingleton<ConnectionRouting>();

        // Scoped, so each context is built with the tenant of the scope (request, circuit or job) asking for it.
        services.AddDbContextFactory<SegmenterDbContext>(
            (sp, options) => SegmenterDbContext.Configure(options, topology.Home.Primary)
                .AddInterceptors(sp.GetRequiredService<ConnectionRouting>(), sp.GetRequiredService<ContactWritesInterceptor>()),
            ServiceLifetime.Scoped);
        // The catalogue's own context, and the reads that may go to a replica, each a context of their own in the scope.
        foreach (var route in new[] { DatabaseRoute.Catalogue, DatabaseRoute.TenantReplica })
        {
            services.AddKeyedScoped(route, (sp, _) => sp.GetRequiredService<IDbContextFactory<SegmenterDbContext>>().CreateDbContext().UseRoute(route));
        }

        services.AddKeyedScoped(DatabaseRoute.TenantReplica, (sp, key) =>
            ActivatorUtilities.CreateInstance<RuleQueries>(sp, sp.GetRequiredKeyedService<SegmenterDbContext>(key)));
        services.AddKeyedScoped(DatabaseRoute.TenantReplica, (sp, key) =>
            ActivatorUtilities.CreateInstance<SegmentMembers>(sp, sp.GetRequiredKeyedService<SegmenterDbContext>(key), sp.GetRequiredKeyedService<RuleQueries>(key)));

        services.AddIdentityCore<SegmenterUser>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.Password.RequiredLength = 10;
                identity.Lockout.MaxFailedAccessAttempts = 5;
            })
            .AddEntityFrameworkStores<SegmenterDbContext>();
        // Users live in the catalogue, whatever cluster the scope's tenant is on.
        services.Replace(ServiceDescriptor.Scoped<IUserStore<SegmenterUser>>(sp => new UserOnlyStore<SegmenterUser, SegmenterDbContext, Guid>(
            sp.GetRequiredKeyedService<SegmenterDbContext>(DatabaseRoute.Catalogue), sp.GetService<IdentityErrorDescriber>())));

        services.AddScoped<DemoSeeder>();
        return services;
    }
}
