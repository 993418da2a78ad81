using Microsoft.AspNetCore.Authorization;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using Segmenter.Core.Membership;

namespace Segmenter.Web.Jobs;

internal static class JobsSetup
{
    public static WebApplicationBuilder AddSegmenterJobs(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Segmenter")!;
        builder.Services.AddHangfire(hangfire => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
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
    /// The dashboard at /hangfire, for signed-in admins only: the endpoint's authorization replaces Hangfire's own
    /// filter (local requests only), so a visitor is sent to sign in and a marketer or sender is refused.
    /// </summary>
    public static WebApplication MapSegmenterJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { DisplayStorageConnectionString = false, Authorization = [] })
            .RequireAuthorization(new AuthorizeAttribute { Roles = UiRoles.Admins });
        return app;
    }
}
