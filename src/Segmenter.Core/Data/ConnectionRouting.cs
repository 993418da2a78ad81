using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Data;

/// <summary>Where a context's connection goes (<see cref="ConnectionRouting"/>).</summary>
public enum DatabaseRoute
{
    /// <summary>The cluster of the context's tenant; home when it has none.</summary>
    Tenant,

    /// <summary>The cluster of the context's tenant, read from its replica while that is healthy.</summary>
    TenantReplica,

    /// <summary>The home cluster: users, tenants, memberships, API keys, whatever the tenant.</summary>
    Catalogue,
}

/// <summary>
/// Points each connection a context opens at the right cluster (docs/scaling.md): the catalogue at home, a
/// tenant's data on the cluster the tenant is placed on, and reads marked <see cref="DatabaseRoute.TenantReplica"/>
/// on that cluster's read replica while <see cref="ReplicaHealth"/> finds it current. A replica connection is
/// tried with one round trip before it is handed over (a pooled connection outlives a restarted server); one
/// that fails to open marks the replica down, and the same open goes to the primary. A replica that fails in
/// the middle of a read fails that read; the next one goes to the primary.
/// </summary>
public sealed class ConnectionRouting(TenantPlacements placements, ReplicaHealth replicas) : DbConnectionInterceptor
{
    private const string Probe = "SELECT";

    private readonly ConcurrentDictionary<string, string> _replicaConnectionStrings = new();

    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        if (eventData.Context is not SegmenterDbContext db)
        {
            return result;
        }

        var cluster = ClusterFor(db, PlacedTenant(db) is { } tenantId ? placements.ClusterOf(tenantId) : null);
        if (db.Route == DatabaseRoute.TenantReplica && replicas.IsUsable(cluster))
        {
            connection.ConnectionString = ReplicaOf(cluster);
            try
            {
                connection.Open();
                using var probe = new NpgsqlCommand(Probe, (NpgsqlConnection)connection);
                probe.ExecuteNonQuery();
                return InterceptionResult.Suppress();
            }
            catch (NpgsqlException failure)
            {
                Abandon(connection, cluster, failure);
            }
            catch
            {
                connection.Close();
                throw;
            }
        }

        connection.ConnectionString = cluster.Primary;
        return result;
    }

    public override async ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is not SegmenterDbContext db)
        {
            return result;
        }

        var cluster = ClusterFor(db, PlacedTenant(db) is { } tenantId ? await placements.ClusterOfAsync(tenantId, cancellationToken) : null);
        if (db.Route == DatabaseRoute.TenantReplica && replicas.IsUsable(cluster))
        {
            connection.ConnectionString = ReplicaOf(cluster);
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var probe = new NpgsqlCommand(Probe, (NpgsqlConnection)connection);
                await probe.ExecuteNonQueryAsync(cancellationToken);
                return InterceptionResult.Suppress();
            }
            catch (NpgsqlException failure) when (!cancellationToken.IsCancellationRequested)
            {
                Abandon(connection, cluster, failure);
            }
            catch
            {
                await connection.CloseAsync();
                throw;
            }
        }

        connection.ConnectionString = cluster.Primary;
        return result;
    }

    /// <summary>The replica with a short connect timeout: one that does not answer sends the read to the primary in seconds.</summary>
    private string ReplicaOf(Cluster cluster) => _replicaConnectionStrings.GetOrAdd(cluster.Name, _ =>
        new NpgsqlConnectionStringBuilder(cluster.ReadReplica) { Timeout = ReplicaHealth.ConnectTimeoutSeconds }.ConnectionString);

    /// <summary>The replica failed: its pooled connections go with this one, and reads go to the primary.</summary>
    private void Abandon(DbConnection connection, Cluster cluster, NpgsqlException failure)
    {
        connection.Close();
        NpgsqlConnection.ClearPool((NpgsqlConnection)connection);
        replicas.MarkDown(cluster, failure);
    }

    /// <summary>The tenant whose placement decides the cluster, if any: not for a pinned or a catalogue context.</summary>
    private static Guid? PlacedTenant(SegmenterDbContext db) =>
        db.Cluster is null && db.Route != DatabaseRoute.Catalogue ? db.CurrentTenantId : null;

    /// <summary>A pinned context's cluster, else its tenant's (<paramref name="tenants"/>, null for the catalogue), else home.</summary>
    private Cluster ClusterFor(SegmenterDbContext db, Cluster? tenants) => db.Cluster ?? tenants ?? placements.Home;
}
