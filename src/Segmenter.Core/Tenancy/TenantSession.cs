using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Segmenter.Core.Data;

namespace Segmenter.Core.Tenancy;

/// <summary>
/// Tells PostgreSQL's row-level security which tenant a connection acts for (ADR-009). Every time a context
/// opens its connection, the session's <c>segmenter.tenant_id</c> becomes the context's tenant (empty when
/// there is none, which sees no tenant's rows) and cross-tenant reads are switched off, whatever the pooled
/// connection carried from its last use.
/// </summary>
internal sealed class TenantSession : DbConnectionInterceptor
{
    public static readonly TenantSession Interceptor = new();

    private const string SetSession =
        "SELECT set_config('segmenter.tenant_id', $1, false), set_config('segmenter.cross_tenant', '', false)";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = Command(connection, eventData.Context);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection, eventData.Context);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(DbConnection connection, DbContext? context)
    {
        var tenantId = (context as SegmenterDbContext)?.CurrentTenantId;
        return new NpgsqlCommand(SetSession, (NpgsqlConnection)connection) { Parameters = { new NpgsqlParameter { Value = tenantId?.ToString() ?? "" } } };
    }
}

/// <summary>
/// The few reads that come before any tenant is known — an API key's lookup, a user's tenants at sign-in, the
/// sweep's list of segments, whether a slug is taken — see the rows of every tenant while this is open, and
/// only through the <c>cross_tenant_read</c> policies: <c>SELECT</c> on tenants, tenant_users, api_keys and
/// segments. Writes still need the tenant.
/// </summary>
public sealed class CrossTenantReads : IAsyncDisposable
{
    private readonly SegmenterDbContext _db;

    private CrossTenantReads(SegmenterDbContext db) => _db = db;

    /// <summary>Opens the context's connection with cross-tenant reads on, until disposed.</summary>
    public static async Task<CrossTenantReads> OpenAsync(SegmenterDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("SELECT set_config('segmenter.cross_tenant', 'on', false)", cancellationToken);
        return new CrossTenantReads(db);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // A broken connection ends its session, setting and all; only a live one needs switching back.
            if (_db.Database.GetDbConnection().State == ConnectionState.Open)
            {
                await _db.Database.ExecuteSqlRawAsync("SELECT set_config('segmenter.cross_tenant', '', false)");
            }
        }
        finally
        {
            await _db.Database.CloseConnectionAsync();
        }
    }
}
