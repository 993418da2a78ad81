using Segmenter.Core;
using Segmenter.Core.Data;
using Segmenter.Core.Demo;

namespace Segmenter.Web.Data;

internal static partial class DatabaseStartup
{
    /// <summary>Apply the migrations (Segmenter's and Hangfire's schema) and exit: the production deploy step.</summary>
    public const string MigrateOnlySwitch = "--migrate-only";

    /// <summary>Where the shards are configured: <c>Segmenter:Shards:{name}:Segmenter</c>, <c>:SegmenterOwner</c>, <c>:ReadReplica</c>.</summary>
    public const string ShardsSection = "Segmenter:Shards";

    public static WebApplicationBuilder AddSegmenterData(this WebApplicationBuilder builder)
    {
        builder.Services.AddSegmenterCore(Topology(builder.Configuration));
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection("Segmenter:Demo"));
        return builder;
    }

    /// <summary>
    /// The home cluster from <c>ConnectionStrings</c> (<c>Segmenter</c>, <c>SegmenterOwner</c>, <c>ReadReplica</c>),
    /// and each shard of <see cref="ShardsSection"/> with the same three keys.
    /// </summary>
    public static DatabaseTopology Topology(IConfiguration configuration)
    {
        var home = new Cluster(
            DatabaseTopology.HomeName,
            configuration.GetConnectionString("Segmenter") is { Length: > 0 } primary ? primary : throw new InvalidOperationException("ConnectionStrings:Segmenter is not set."),
            NullIfEmpty(configuration.GetConnectionString("SegmenterOwner")),
            NullIfEmpty(configuration.GetConnectionString("ReadReplica")));
        var shards = configuration.GetSection(ShardsSection).GetChildren().Select(shard => new Cluster(
            shard.Key,
            NullIfEmpty(shard["Segmenter"]) ?? throw new InvalidOperationException($"{ShardsSection}:{shard.Key}:Segmenter is not set."),
            NullIfEmpty(shard["SegmenterOwner"]),
            NullIfEmpty(shard["ReadReplica"])));
        return new DatabaseTopology(home, shards);
    }

    /// <summary>
    /// Migrates every cluster — home, then each shard — as its schema's owner (<c>SegmenterOwner</c>) and grants
    /// the application's role (<c>Segmenter</c>) what it needs; the application itself never owns a table (ADR-009).
    /// </summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        foreach (var cluster in app.Services.GetRequiredService<DatabaseTopology>().All)
        {
            var owner = cluster.Owner
                ?? throw new InvalidOperationException($"No owner is set for cluster '{cluster.Name}' (ConnectionStrings:SegmenterOwner, or {ShardsSection}:<name>:SegmenterOwner): migrations run as the role that owns the schema.");
            var applied = await SegmenterDatabase.MigrateAsync(owner, cluster.Primary, app.Lifetime.ApplicationStopping);
            LogMigrated(logger, cluster.Name, applied.Count, applied);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster '{Cluster}': applied {Count} migration(s): {Migrations}")]
    private static partial void LogMigrated(ILogger logger, string cluster, int count, IReadOnlyList<string> migrations);
}
