using Hangfire.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Data;

/// <summary>
/// Brings a database up to date, as the role that owns the schema (ADR-009): Segmenter's migrations,
/// Hangfire's schema, and the application's role — the one of <c>ConnectionStrings:Segmenter</c> — created
/// when missing and granted what it needs. The application never owns a table and never bypasses row-level
/// security: a superuser, a role with <c>BYPASSRLS</c>, the owner itself or a member of it is refused.
/// </summary>
public static class SegmenterDatabase
{
    public const string HangfireSchema = "hangfire";

    /// <returns>The migrations that were applied.</returns>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string ownerConnectionString, string appConnectionString, CancellationToken cancellationToken)
    {
        var options = new DbContextOptionsBuilder<SegmenterDbContext>();
        SegmenterDbContext.Configure(options, ownerConnectionString);
        List<string> pending;
        await using (var db = new SegmenterDbContext(options.Options, new TenantContext()))
        {
            pending = [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];
            await db.Database.MigrateAsync(cancellationToken);
        }

        await using var owner = new NpgsqlConnection(ownerConnectionString);
        await owner.OpenAsync(cancellationToken);
        PostgreSqlObjectsInstaller.Install(owner, HangfireSchema);
        await GrantAppRoleAsync(owner, new NpgsqlConnectionStringBuilder(appConnectionString), cancellationToken);
        return pending;
    }

    private static async Task GrantAppRoleAsync(NpgsqlConnection owner, NpgsqlConnectionStringBuilder app, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(app.Username))
        {
            throw new InvalidOperationException("ConnectionStrings:Segmenter names no user: the application must connect as a role of its own.");
        }

        await using var transaction = await owner.BeginTransactionAsync(cancellationToken);
        // The role's name and password reach the block below as settings of this transaction only.
        await using (var names = new NpgsqlCommand("SELECT set_config('segmenter.app_role', $1, true), set_config('segmenter.app_password', $2, true)", owner, transaction))
        {
            names.Parameters.Add(new NpgsqlParameter { Value = app.Username });
            names.Parameters.Add(new NpgsqlParameter { Value = app.Password ?? "" });
            await names.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var grant = new NpgsqlCommand(GrantSql, owner, transaction))
        {
            await grant.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private const string GrantSql = $$"""
        DO $grant$
        DECLARE
            app text := current_setting('segmenter.app_role');
            password text := current_setting('segmenter.app_password');
            app_role pg_roles%ROWTYPE;
        BEGIN
            -- An existing role keeps its password: whoever made it manages it (ALTER ROLE … PASSWORD).
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
                EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', app)
                    || CASE WHEN password <> '' THEN format(' PASSWORD %L', password) ELSE '' END;
            END IF;
            SELECT * INTO app_role FROM pg_roles WHERE rolname = app;
            IF app_role.rolsuper OR app_role.rolbypassrls
               OR EXISTS (SELECT FROM pg_roles AS r WHERE (r.rolsuper OR r.rolbypassrls) AND r.rolname <> app AND pg_has_role(app, r.oid, 'MEMBER')) THEN
                RAISE EXCEPTION 'The application role "%" bypasses row-level security (a superuser or BYPASSRLS, or a member of one): connect the application as a role without either.', app;
            END IF;
            IF EXISTS (SELECT FROM pg_class WHERE relowner = app_role.oid AND relnamespace = 'public'::regnamespace) THEN
                RAISE EXCEPTION 'The application role "%" owns tables of the schema: an owner can switch row-level security off. Connect the application as a role that owns nothing.', app;
            END IF;
            IF app = current_user OR pg_has_role(app, current_user, 'MEMBER') THEN
                RAISE EXCEPTION 'The application role "%" is the schema owner "%" or a member of it: connect the application as a role of its own (ConnectionStrings:Segmenter) and migrate as the owner (ConnectionStrings:SegmenterOwner).', app, current_user;
            END IF;

            EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app);
            EXECUTE format('GRANT USAGE ON SCHEMA public, {{HangfireSchema}} TO %I', app);
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', app);
            EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON __ef_migrations_history FROM %I', app);
            EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', app);
            EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA {{HangfireSchema}} TO %I', app);
            EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA {{HangfireSchema}} TO %I', app);
            -- A rule over all contacts hashes the ids of an event condition's contacts once (NOT IN as a hashed
            -- subplan); past work_mem, PostgreSQL would read that list once per contact instead. 64 MB holds
            -- the ids of more than a million contacts (docs/performance.md).
            EXECUTE format('ALTER ROLE %I IN DATABASE %I SET work_mem = %L', app, current_database(), '64MB');
            -- The app's reads are a marketer's wait of well under a second: compiling a count over a million
            -- contacts to machine code took 0.2 to 0.4 s of it, more than the compiled code saved.
            EXECUTE format('ALTER ROLE %I IN DATABASE %I SET jit = off', app, current_database());
        END
        $grant$
        """;
}
