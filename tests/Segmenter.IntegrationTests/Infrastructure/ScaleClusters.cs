using System.Diagnostics;
using Npgsql;

namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>
/// The clusters of the scale-out tests, started by <c>scripts/scale-clusters.sh</c> (./test.sh does): a primary
/// with a streaming read replica, and a second, independent cluster to place a tenant on. Like
/// <see cref="PostgresServer"/>, a run without them fails and says how to start them.
/// </summary>
public static class ScaleClusters
{
    /// <summary>The primary that streams to <see cref="Replica"/>, as its superuser.</summary>
    public static string Primary => Required("SEGMENTER_SCALE_PRIMARY");

    /// <summary>The hot standby of <see cref="Primary"/>, as its superuser.</summary>
    public static string Replica => Required("SEGMENTER_SCALE_REPLICA");

    /// <summary>A second, independent cluster: a shard.</summary>
    public static string Shard => Required("SEGMENTER_SCALE_SHARD");

    /// <summary>A new empty database on the cluster of <paramref name="server"/>; its connection string as the superuser.</summary>
    public static async Task<string> CreateDatabaseAsync(string server, CancellationToken cancellationToken)
    {
        var name = $"test_{Guid.NewGuid():N}";
        await ExecuteAsync(server, $"CREATE DATABASE {name}", cancellationToken);
        return On(server, name);
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        // The app's pooled connections to the database, which DROP … WITH (FORCE) ends.
        NpgsqlConnection.ClearAllPools();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await ExecuteAsync(On(connectionString, "postgres"), $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None);
    }

    /// <summary>The same server and user, another database.</summary>
    public static string On(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Runs <c>scripts/scale-clusters.sh <paramref name="command"/></c> (e.g. <c>stop-replica</c>) and waits for it.</summary>
    public static async Task ScriptAsync(string command, CancellationToken cancellationToken)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "scale-clusters.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, command]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scale-clusters.sh {command} exited with {process.ExitCode}: {await errors}");
        }
    }

    /// <summary>
    /// The tests' own connections are not pooled: a server stopped and started by a test leaves dead pooled
    /// connections behind, and only the app's, which it must cope with, should meet them.
    /// </summary>
    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "test.sh")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (the folder of test.sh) is not above the test assembly.");
    }

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set: the scale-out tests need the clusters of scripts/scale-clusters.sh. " +
                "Run everything with ./test.sh, or `eval \"$(scripts/scale-clusters.sh start)\"` before dotnet test.");
}
