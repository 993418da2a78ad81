using Npgsql;
using Segmenter.Core.Data;

namespace Segmenter.Bench;

/// <summary>A migrated database of the benchmark's own on the given server, dropped when disposed.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly NpgsqlConnectionStringBuilder _server;
    private readonly string _name;

    private BenchDatabase(NpgsqlConnectionStringBuilder server, string name)
    {
        _server = server;
        _name = name;
        // The owner's statements (bulk loads, index builds, VACUUM) take as long as they take.
        ConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name, CommandTimeout = 0 }.ConnectionString;
        AppConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = "segmenter_app", Password = "segmenter-bench", CommandTimeout = 30 }.ConnectionString;
    }

    /// <summary>As the schema's owner: for seeding and measuring.</summary>
    public string ConnectionString { get; }

    /// <summary>As the application's role, under row-level security, like the app in production.</summary>
    public string AppConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(string serverConnectionString, string purpose, CancellationToken cancellationToken)
    {
        var database = new BenchDatabase(new NpgsqlConnectionStringBuilder(serverConnectionString), $"segmenter_bench_{purpose}_{Environment.ProcessId}");
        await database.AdminAsync($"CREATE DATABASE {database._name}", cancellationToken);
        await SegmenterDatabase.MigrateAsync(database.ConnectionString, database.AppConnectionString, cancellationToken);
        return database;
    }

    /// <summary>Kept after the run, for EXPLAIN (<c>--keep</c>).</summary>
    public static bool Keep { get; set; }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Keep)
        {
            Console.Error.WriteLine($"bench: kept database {_name}");
            return;
        }

        await AdminAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", CancellationToken.None);
    }

    private async Task AdminAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
