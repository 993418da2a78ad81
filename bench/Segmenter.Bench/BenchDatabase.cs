using Microsoft.EntityFrameworkCore;
using Npgsql;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;

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
        ConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
    }

    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(string serverConnectionString, string purpose, CancellationToken cancellationToken)
    {
        var database = new BenchDatabase(new NpgsqlConnectionStringBuilder(serverConnectionString), $"segmenter_bench_{purpose}_{Environment.ProcessId}");
        await database.AdminAsync($"CREATE DATABASE {database._name}", cancellationToken);
        var options = new DbContextOptionsBuilder<SegmenterDbContext>();
        SegmenterDbContext.Configure(options, database.ConnectionString);
        await using var db = new SegmenterDbContext(options.Options, new TenantContext());
        await db.Database.MigrateAsync(cancellationToken);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
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
