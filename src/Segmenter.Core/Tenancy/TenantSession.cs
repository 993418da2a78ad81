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
/// connection carried from its last use. A command of a context whose tenant changed while its connection
/// stayed open is refused instead of running for the tenant the connection was opened with.
/// </summary>
internal sealed class TenantSession : IDbConnectionInterceptor, IDbCommandInterceptor
{
    public static readonly TenantSession Interceptor = new();

    private const string SetSession =
        "SELECT set_config('segmenter.tenant_id', $1, false), set_config('segmenter.cross_tenant', '', false)";

    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        var context = eventData.Context as SegmenterDbContext;
        try
        {
            using var command = Command(connection, context);
            command.ExecuteNonQuery();
        }
        catch
        {
            // A connection whose session was not set must not be used: EF would take it as open and carry on.
            connection.Close();
            throw;
        }

        if (context is not null)
        {
            context.SessionTenantId = context.CurrentTenantId;
        }
    }

    public async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var context = eventData.Context as SegmenterDbContext;
        try
        {
            // Not cancellable: a half-set session is worse than a statement of a millisecond.
            await using var command = Command(connection, context);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch
        {
            await connection.CloseAsync();
            throw;
        }

        if (context is not null)
        {
            context.SessionTenantId = context.CurrentTenantId;
        }
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        Checked(eventData, result);

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Checked(eventData, result));

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
        Checked(eventData, result);

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Checked(eventData, result));

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Checked(eventData, result);

    public ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Checked(eventData, result));

    private static T Checked<T>(CommandEventData eventData, T result) =>
        eventData.Context is SegmenterDbContext context && context.SessionTenantId != context.CurrentTenantId
            ? throw new TenantIsolationException(
                $"The connection was opened for tenant {Describe(context.SessionTenantId)} and the context now acts for {Describe(context.CurrentTenantId)}: " +
                "set the scope's tenant before its first database work.")
            : result;

    private static string Describe(Guid? tenantId) => tenantId?.ToString() ?? "none";

    private static NpgsqlCommand Command(DbConnection connection, SegmenterDbContext? context) =>
        new(SetSession, (NpgsqlConnection)connection) { Parameters = { new NpgsqlParameter { Value = context?.CurrentTenantId?.ToString() ?? "" } } };
}

/// <summary>
/// The few reads that come before any tenant is known — an API key's lookup, a user's tenants at sign-in, the
/// sweep's list of segments, whether any tenant exists — see the rows of every tenant while this is open, and
/// only through the <c>cross_tenant_read</c> policies: <c>SELECT</c> on tenants, tenant_users, api_keys and
/// segments. Writes still need the tenant. Not nested: closing one switches cross-tenant reads off.
/// </summary>
public sealed class CrossTenantReads : IAsyncDisposable
{
    private readonly SegmenterDbContext _db;

    private CrossTenantReads(SegmenterDbContext db) => _db = db;

    /// <summary>Opens the context's connection with cross-tenant reads on, until disposed.</summary>
    public static async Task<CrossTenantReads> OpenAsync(SegmenterDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        var reads = new CrossTenantReads(db);
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT set_config('segmenter.cross_tenant', 'on', false)", cancellationToken);
            return reads;
        }
        catch
        {
            await reads.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_db.Database.GetDbConnection().State == ConnectionState.Open)
            {
                await _db.Database.ExecuteSqlRawAsync("SELECT set_config('segmenter.cross_tenant', '', false)");
            }
        }
        catch (DbException)
        {
            // A failed transaction refuses the statement and its rollback reverts the setting; a broken
            // connection takes its session with it; any next open resets it. The first error is the one to see.
        }
        finally
        {
            await _db.Database.CloseConnectionAsync();
        }
    }
}
