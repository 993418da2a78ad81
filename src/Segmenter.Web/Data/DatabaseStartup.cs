using Microsoft.EntityFrameworkCore;
using Segmenter.Core;
using Segmenter.Core.Data;
using Segmenter.Core.Demo;

namespace Segmenter.Web.Data;

internal static partial class DatabaseStartup
{
    /// <summary>Apply the migrations (Segmenter's and Hangfire's schema) and exit: the production deploy step.</summary>
    public const string MigrateOnlySwitch = "--migrate-only";

    public static WebApplicationBuilder AddSegmenterData(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Segmenter")
            ?? throw new InvalidOperationException("ConnectionStrings:Segmenter is not set.");
        builder.Services.AddSegmenterCore(connectionString);
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection("Segmenter:Demo"));
        return builder;
    }

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
            var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
            await db.Database.MigrateAsync();
            LogMigrated(logger, pending.Count, pending);
        }

        // Hangfire's storage installs its own schema when it is first built.
        _ = app.Services.GetRequiredService<Hangfire.JobStorage>();
    }

    /// <summary>In development (or with Segmenter:Database:MigrateOnStartup): migrate, then seed the demo tenant into an empty database.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Segmenter:Database:MigrateOnStartup", app.Environment.IsDevelopment()))
        {
            return;
        }

        await app.MigrateDatabaseAsync();
        if (app.Configuration.GetValue("Segmenter:Demo:SeedOnStartup", app.Environment.IsDevelopment()))
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync(app.Lifetime.ApplicationStopping);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s): {Migrations}")]
    private static partial void LogMigrated(ILogger logger, int count, IReadOnlyList<string> migrations);
}
