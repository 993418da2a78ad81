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

    /// <summary>
    /// Migrates as the schema's owner (<c>ConnectionStrings:SegmenterOwner</c>) and grants the application's role
    /// (<c>ConnectionStrings:Segmenter</c>) what it needs; the application itself never owns a table (ADR-009).
    /// </summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        var owner = app.Configuration.GetConnectionString("SegmenterOwner") is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException("ConnectionStrings:SegmenterOwner is not set: migrations run as the role that owns the schema.");
        var applied = await SegmenterDatabase.MigrateAsync(owner, app.Configuration.GetConnectionString("Segmenter")!, app.Lifetime.ApplicationStopping);
        LogMigrated(logger, applied.Count, applied);
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
