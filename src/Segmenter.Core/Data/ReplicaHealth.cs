using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Segmenter.Core.Data;

/// <summary>When a read replica may serve reads (configuration section <c>Segmenter:ReadReplica</c>).</summary>
public sealed class ReadReplicaOptions
{
    public const string Section = "Segmenter:ReadReplica";

    /// <summary>The most a replica may be behind its primary and still serve reads.</summary>
    public double MaxLagSeconds { get; set; } = 5;

    /// <summary>How often each replica's lag is measured.</summary>
    public int CheckMilliseconds { get; set; } = 1000;
}

/// <summary>
/// Whether each cluster's read replica may serve reads: it answered its last check and was at most
/// <see cref="ReadReplicaOptions.MaxLagSeconds"/> behind. Until the first check, and whenever it lags, fails
/// to answer or refuses a connection, reads go to the primary (<see cref="ConnectionRouting"/>).
/// </summary>
public sealed partial class ReplicaHealth(DatabaseTopology topology, IOptions<ReadReplicaOptions> options, ILogger<ReplicaHealth> logger) : BackgroundService
{
    // Zero when the replica has replayed all it received; else how old the last replayed commit is. A replica
    // cut off from its primary receives nothing, so it looks current: the check only covers a live stream.
    private const string LagSql = """
        SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                    ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END::float8
        """;

    /// <summary>How long a replica may take to accept a connection, for a check or a read, before it counts as down.</summary>
    public const int ConnectTimeoutSeconds = 3;

    private readonly ConcurrentDictionary<string, bool> _usable = new();

    /// <summary>Whether reads of that cluster may go to its replica now.</summary>
    public bool IsUsable(Cluster cluster) => cluster.ReadReplica is not null && _usable.GetValueOrDefault(cluster.Name);

    /// <summary>A connection to the replica failed: reads go to the primary until a check finds it back.</summary>
    public void MarkDown(Cluster cluster, Exception failure)
    {
        if (_usable.TryUpdate(cluster.Name, false, true))
        {
            LogDown(logger, cluster.Name, failure.Message);
        }
    }

    /// <summary>Measures every replica once, on the service's clock.</summary>
    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        foreach (var cluster in topology.All.Where(c => c.ReadReplica is not null))
        {
            bool? before = _usable.TryGetValue(cluster.Name, out var known) ? known : null;
            bool usable;
            try
            {
                var lag = await LagAsync(cluster.ReadReplica!, cancellationToken);
                usable = lag <= options.Value.MaxLagSeconds;
                if (!usable)
                {
                    LogLagging(logger, cluster.Name, lag);
                }
            }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException)
            {
                usable = false;
                LogUnreachable(logger, cluster.Name, failure.Message);
            }

            // A failed connection marked down during the check is newer than what the check saw: it stands until the next one.
            var stored = before is { } seen ? _usable.TryUpdate(cluster.Name, usable, seen) : _usable.TryAdd(cluster.Name, usable);
            if (stored && usable && before != true)
            {
                LogUsable(logger, cluster.Name);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!topology.All.Any(c => c.ReadReplica is not null))
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.CheckMilliseconds));
        do
        {
            await CheckAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static async Task<double> LagAsync(string replica, CancellationToken cancellationToken)
    {
        // A short timeout: a replica that takes seconds to answer a check is no place for a marketer's read.
        var builder = new NpgsqlConnectionStringBuilder(replica) { Timeout = ConnectTimeoutSeconds, CommandTimeout = ConnectTimeoutSeconds };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(LagSql, connection);
        return (double)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The read replica of cluster '{Cluster}' serves reads")]
    private static partial void LogUsable(ILogger logger, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The read replica of cluster '{Cluster}' is {Lag:F1} s behind: reads go to the primary")]
    private static partial void LogLagging(ILogger logger, string cluster, double lag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The read replica of cluster '{Cluster}' does not answer ({Reason}): reads go to the primary")]
    private static partial void LogUnreachable(ILogger logger, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A connection to the read replica of cluster '{Cluster}' failed ({Reason}): reads go to the primary")]
    private static partial void LogDown(ILogger logger, string cluster, string reason);
}
