using DotNet.Testcontainers.Builders;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Testcontainers.PostgreSql;

namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests run on: <c>SEGMENTER_TEST_DB</c> when set (how CI and the developer
/// machines run), else a Testcontainers PostgreSQL when a Docker engine answers, else a failure that says
/// how to start one. Never a skip: a run without a database must not look green. The server's user owns
/// the schema and migrates it; the application, and the tests that act as it, connect as
/// <see cref="AppRole"/>, under row-level security like the real app.
/// </summary>
public static class PostgresServer
{
    /// <summary>The application's role in tests: not the owner, no superuser, no BYPASSRLS (made by the migrations).</summary>
    public const string AppRole = "segmenter_app";

    private const string AppPassword = "segmenter-test";
    private const string EnvironmentVariable = "SEGMENTER_TEST_DB";
    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _template;

    /// <summary>
    /// A new database cloned from a migrated template, as the application's role; drop it with
    /// <see cref="DropDatabaseAsync"/>.
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var template = await EnsureTemplateAsync(cancellationToken);
        var name = $"test_{Guid.NewGuid():N}";
        await ExecuteOnServerAsync($"CREATE DATABASE {name} TEMPLATE {template}", cancellationToken);
        return AsApp(await ConnectionStringForAsync(name));
    }

    /// <summary>A new empty database, as its owner, for tests of the migrations themselves.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(CancellationToken cancellationToken)
    {
        var name = $"test_{Guid.NewGuid():N}";
        await ExecuteOnServerAsync($"CREATE DATABASE {name}", cancellationToken);
        return await ConnectionStringForAsync(name);
    }

    /// <summary>The same database as the application's role.</summary>
    public static string AsApp(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = AppRole, Password = AppPassword }.ConnectionString;

    /// <summary>
    /// The same database as the schema's owner, a superuser here: for migrations, for tests that look at every
    /// tenant's rows at once, and for administration (terminating a backend).
    /// </summary>
    public static string AsOwner(string connectionString)
    {
        var server = new NpgsqlConnectionStringBuilder(Server.Value.Result);
        return new NpgsqlConnectionStringBuilder(connectionString) { Username = server.Username, Password = server.Password }.ConnectionString;
    }

    /// <summary>A web host on the database: the app as its role, migrations (when it runs them) as the owner.</summary>
    public static IWebHostBuilder UseDatabase(this IWebHostBuilder web, string appConnectionString) => web
        .UseSetting("ConnectionStrings:Segmenter", appConnectionString)
        .UseSetting("ConnectionStrings:SegmenterOwner", AsOwner(appConnectionString));

    public static async Task DropDatabaseAsync(string connectionString)
    {
        foreach (var user in new[] { AsApp(connectionString), AsOwner(connectionString) })
        {
            using var connection = new NpgsqlConnection(user);
            NpgsqlConnection.ClearPool(connection);
        }

        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CancellationToken.None);
    }

    public static SegmenterDbContext CreateContext(string connectionString, ITenantContext tenant)
    {
        var options = new DbContextOptionsBuilder<SegmenterDbContext>();
        SegmenterDbContext.Configure(options, connectionString);
        return new SegmenterDbContext(options.Options, tenant);
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        try
        {
            var container = new PostgreSqlBuilder("postgres:15-alpine").Build();
            await container.StartAsync();
            return container.GetConnectionString();
        }
        catch (Exception e) when (e is DockerUnavailableException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL for the tests: {EnvironmentVariable} is not set and no Docker engine answers ({e.Message}). " +
                $"Start one with `scripts/postgres.sh start --test` and set {EnvironmentVariable} to the connection string it prints, " +
                "or run everything with ./test.sh.",
                e);
        }
    }

    /// <summary>
    /// Migrates one template database per set of migrations, once per server: later runs and parallel test
    /// processes reuse it. It is built under another name and renamed when complete, so a crash mid-way
    /// never leaves a half-migrated template behind.
    /// </summary>
    private static async Task<string> EnsureTemplateAsync(CancellationToken cancellationToken)
    {
        if (_template is { } ready)
        {
            return ready;
        }

        await TemplateLock.WaitAsync(cancellationToken);
        try
        {
            if (_template is { } built)
            {
                return built;
            }

            string lastMigration;
            using (var design = CreateContext(await ConnectionStringForAsync("postgres"), new TenantContext()))
            {
                lastMigration = design.Database.GetMigrations().Last();
            }

            var template = $"template_{lastMigration.ToLowerInvariant()}";
            await using var server = new NpgsqlConnection(await ConnectionStringForAsync("postgres"));
            await server.OpenAsync(cancellationToken);
            await ExecuteAsync(server, "SELECT pg_advisory_lock(4242001)", cancellationToken);
            try
            {
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", server);
                exists.Parameters.AddWithValue("name", template);
                if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                {
                    var building = $"{template}_building";
                    await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {building} WITH (FORCE)", cancellationToken);
                    await ExecuteAsync(server, $"CREATE DATABASE {building}", cancellationToken);
                    var buildingConnection = await ConnectionStringForAsync(building);
                    await SegmenterDatabase.MigrateAsync(buildingConnection, AsApp(buildingConnection), cancellationToken);

                    NpgsqlConnection.ClearAllPools();
                    await ExecuteAsync(server, $"ALTER DATABASE {building} RENAME TO {template}", cancellationToken);
                    await DropStaleTemplatesAsync(server, template, cancellationToken);
                }
            }
            finally
            {
                await ExecuteAsync(server, "SELECT pg_advisory_unlock(4242001)", CancellationToken.None);
            }

            _template = template;
            return template;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    /// <summary>Templates of earlier migration sets are dead weight once a newer one exists.</summary>
    private static async Task DropStaleTemplatesAsync(NpgsqlConnection server, string current, CancellationToken cancellationToken)
    {
        var stale = new List<string>();
        await using (var find = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname ~ '^template_[0-9]{14}_' AND datname <> @current", server))
        {
            find.Parameters.AddWithValue("current", current);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stale.Add(reader.GetString(0));
            }
        }

        foreach (var name in stale)
        {
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", cancellationToken);
        }
    }

    private static async Task<string> ConnectionStringForAsync(string database) =>
        new NpgsqlConnectionStringBuilder(await Server.Value) { Database = database }.ConnectionString;

    private static async Task ExecuteOnServerAsync(string sql, CancellationToken cancellationToken)
    {
        await using var server = new NpgsqlConnection(await ConnectionStringForAsync("postgres"));
        await server.OpenAsync(cancellationToken);
        await ExecuteAsync(server, sql, cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
