using System.Collections.Concurrent;
using Npgsql;
using Segmenter.Core.Data;

namespace Segmenter.Core.Tenancy;

/// <summary>
/// Which cluster holds a tenant's data: the <c>shard</c> of its row in the home cluster's <c>tenants</c>
/// table, the tenant catalogue (null is home). A placement never changes once the tenant exists, so each is
/// read once per process; a tenant not found is not remembered, since it may be being provisioned.
/// </summary>
public sealed class TenantPlacements(DatabaseTopology topology)
{
    private readonly ConcurrentDictionary<Guid, string?> _known = new();

    /// <summary>The home cluster: the catalogue, and every tenant placed nowhere else.</summary>
    public Cluster Home => topology.Home;

    /// <summary>The tenant's cluster; home when the deployment has no shards, without a query.</summary>
    public async ValueTask<Cluster> ClusterOfAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        if (!topology.IsSharded)
        {
            return topology.Home;
        }

        if (!_known.TryGetValue(tenantId, out var shard))
        {
            shard = await ReadAsync(tenantId, cancellationToken);
        }

        return topology[shard];
    }

    /// <summary>As <see cref="ClusterOfAsync"/>, for EF Core's synchronous opens.</summary>
    public Cluster ClusterOf(Guid tenantId)
    {
        if (!topology.IsSharded)
        {
            return topology.Home;
        }

        if (_known.TryGetValue(tenantId, out var shard))
        {
            return topology[shard];
        }

        using var connection = new NpgsqlConnection(topology.Home.Primary);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var batch = Lookup(connection, transaction, tenantId);
        using var reader = batch.ExecuteReader();
        reader.NextResult();
        return topology[ShardRead(tenantId, reader.Read(), reader)];
    }

    /// <summary>Remembers where a tenant just provisioned lives, before its catalogue row is readable elsewhere.</summary>
    internal void Remember(Guid tenantId, string? shard) => _known[tenantId] = shard;

    private async Task<string?> ReadAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(topology.Home.Primary);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = Lookup(connection, transaction, tenantId);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return ShardRead(tenantId, await reader.ReadAsync(cancellationToken), reader);
    }

    /// <summary>The tenant's row, read as the application's role: row-level security shows it only while that tenant is the transaction's.</summary>
    private static NpgsqlBatch Lookup(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId) => new(connection, transaction)
    {
        BatchCommands =
        {
            new NpgsqlBatchCommand("SELECT set_config('segmenter.tenant_id', $1, true)") { Parameters = { new NpgsqlParameter { Value = tenantId.ToString() } } },
            new NpgsqlBatchCommand("SELECT shard FROM tenants WHERE id = $1") { Parameters = { new NpgsqlParameter { Value = tenantId } } },
        },
    };

    /// <summary>The shard of the row just read, remembered; null for home or for a tenant not (yet) in the catalogue, which is not remembered.</summary>
    private string? ShardRead(Guid tenantId, bool found, NpgsqlDataReader reader)
    {
        if (!found)
        {
            return null;
        }

        var shard = reader.IsDBNull(0) ? null : reader.GetString(0);
        _known[tenantId] = shard;
        return shard;
    }
}
