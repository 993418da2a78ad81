using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Tenancy;

namespace Segmenter.Web.Jobs;

internal static class JobsSetup
{
    /// <summary>Who opens /hangfire: an admin whose email is in <c>Segmenter:Jobs:DashboardUsers</c>.</summary>
    public const string DashboardPolicy = "jobs-dashboard";

    public static WebApplicationBuilder AddSegmenterJobs(this WebApplicationBuilder builder)
    {
        // The dashboard shows and changes every tenant's jobs, so being an admin of one tenant is not enough.
        var operators = builder.Configuration.GetSection("Segmenter:Jobs:DashboardUsers").Get<string[]>() ?? [];
        builder.Services.AddAuthorizationBuilder().AddPolicy(DashboardPolicy, policy => policy
            .RequireRole(TenantRole.Admin)
            .RequireAssertion(context => context.User.Identity?.Name is { } name && operators.Contains(name, StringComparer.OrdinalIgnoreCase)));

        var connectionString = builder.Configuration.GetConnectionString("Segmenter")!;
        builder.Services.AddHangfire(hangfire => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = SegmenterDatabase.HangfireSchema,
                    // Installed by the migrations, as the schema's owner; the application's role may not create schemas.
                    PrepareSchemaIfNecessary = false,
                    // A job keeps its lease while it runs, however long; a crashed worker's job is picked up again.
                    UseSlidingInvisibilityTimeout = true,
                    // Workers hear of a new job by LISTEN/NOTIFY at once instead of polling every 15 s.
                    EnableLongPolling = true,
                }));
        builder.Services.AddHangfireServer(server =>
        {
            server.WorkerCount = builder.Configuration.GetValue("Segmenter:Jobs:Workers", Environment.ProcessorCount * 2);
            // How soon a due recurring job (the sweep) is noticed.
            server.SchedulePollingInterval = TimeSpan.FromSeconds(5);
        });
        return builder;
    }

    /// <summary>The sweep that re-evaluates every dynamic segment, on the cron of <c>Segmenter:Refresh:Cron</c>.</summary>
    public static WebApplication ScheduleSegmenterSweep(this WebApplication app)
    {
        var cron = app.Services.GetRequiredService<IOptions<RefreshOptions>>().Value.Cron;
        app.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<SweepJob>(
            SweepJob.RecurringJobId, sweep => sweep.RunAsync(CancellationToken.None), cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        return app;
    }

    /// <summary>
    /// The dashboard at /hangfire, for the operators of <see cref="DashboardPolicy"/> only: the endpoint's
    /// authorization replaces Hangfire's own filter (local requests only), so a visitor is sent to sign in and
    /// anyone else is refused.
    /// </summary>
    public static WebApplication MapSegmenterJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { DisplayStorageConnectionString = false, Authorization = [] })
            .RequireAuthorization(DashboardPolicy);
        return app;
    }
}
