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

    /// <summary>The dashboard at /hangfire; Hangfire's default filter admits local requests only until sign-in exists.</summary>
    public static WebApplication MapSegmenterJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { DisplayStorageConnectionString = false });
        return app;
    }
}
