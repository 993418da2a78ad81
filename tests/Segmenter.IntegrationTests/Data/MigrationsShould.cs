using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Data;

public sealed class MigrationsShould
{
    /// <summary>The migration before contacts was rebuilt in its present column order.</summary>
    private const string BeforeColumnOrder = "FirstEventIndex";

    [Fact]
    public async Task Build_the_whole_schema_on_an_empty_database()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await PostgresServer.CreateEmptyDatabaseAsync(ct);
        try
        {
            await using (var db = PostgresServer.CreateContext(connectionString, new TenantContext()))
            {
                await db.Database.MigrateAsync(ct);
                // A second run finds nothing to do.
                await db.Database.MigrateAsync(ct);
                Assert.Empty(await db.Database.GetPendingMigrationsAsync(ct));

                var expected = db.Model.GetEntityTypes().Select(e => e.GetTableName()!).Order().ToList();
                Assert.Equal(expected, await QueryAsync(connectionString, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE '\\_\\_%' ORDER BY table_name"));
            }

            // Every index of contacts is paid for by every write (ADR-007): only the key and the email lookup.
            var contactIndexes = await QueryAsync(connectionString, "SELECT indexname FROM pg_indexes WHERE tablename = 'contacts' ORDER BY indexname");
            Assert.Equal(["ix_contacts_tenant_id_email_normalized", "pk_contacts"], contactIndexes);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task Refuse_to_grant_the_application_a_role_that_bypasses_row_level_security()
    {
        var ct = TestContext.Current.CancellationToken;
        var owner = await PostgresServer.CreateEmptyDatabaseAsync(ct);
        try
        {
            // The server's user is the owner and a superuser: as the application's role, it would see every tenant.
            var refused = await Assert.ThrowsAsync<PostgresException>(() => SegmenterDatabase.MigrateAsync(owner, owner, ct));

            Assert.Contains("bypasses row-level security", refused.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(owner);
        }
    }

    [Fact]
    public async Task Keep_every_contact_and_what_points_at_it_when_contacts_is_rebuilt_in_a_new_column_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await PostgresServer.CreateEmptyDatabaseAsync(ct);
        // An owner that is no superuser, as in production: row-level security applies to it (FORCE), so a copy
        // of the table that forgot to lift it would see no contact, and lose them all.
        var role = $"owner_{Guid.NewGuid():N}";
        var asRole = new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = role }.ConnectionString;
        try
        {
            await using (var db = PostgresServer.CreateContext(connectionString, new TenantContext()))
            {
                await db.GetService<IMigrator>().MigrateAsync(BeforeColumnOrder, ct);
            }

            await ExecuteAsync(connectionString, $$"""
                INSERT INTO tenants (id, name, slug) VALUES ('00000000-0000-7000-8000-000000000001', 'Acme', 'acme');
                INSERT INTO contacts (tenant_id, id, email, first_name, last_name, phone, status, country, city, time_zone,
                                      birthday, subscribed_at, created_at, updated_at, tags, attributes)
                VALUES ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000002', 'Ada@Example.com', 'Ada',
                        'Lovelace', '+44 20', 'unsubscribed', 'UK', 'London', 'Europe/London', '1815-12-10', '2026-01-02T03:04:05Z',
                        '2025-06-07T08:09:10Z', '2026-11-01T00:00:00Z', '{vip,early}', '{"customer_tier": "Gold", "lifetime_value": 1200}');
                INSERT INTO contact_events (tenant_id, id, contact_id, type, occurred_at)
                VALUES ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000003',
                        '00000000-0000-7000-8000-000000000002', 'email_opened', '2026-11-02T00:00:00Z');
                CREATE ROLE {{role}} LOGIN PASSWORD '{{role}}' NOSUPERUSER NOBYPASSRLS;
                ALTER DATABASE {{new NpgsqlConnectionStringBuilder(connectionString).Database}} OWNER TO {{role}};
                DO $$
                DECLARE t text;
                BEGIN
                    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                        EXECUTE format('ALTER TABLE %I OWNER TO {{role}}', t);
                    END LOOP;
                END $$;
                """);
            const string contact = """
                SELECT concat_ws('|', email, email_normalized, first_name, last_name, phone, status, country, city, time_zone, birthday,
                                 subscribed_at AT TIME ZONE 'UTC', created_at AT TIME ZONE 'UTC', updated_at AT TIME ZONE 'UTC', tags, attributes)
                FROM contacts
                """;
            var before = await QueryAsync(connectionString, contact);
            Assert.Contains("Ada@Example.com|ada@example.com|Ada|Lovelace", before.Single(), StringComparison.Ordinal);

            await using var asOwner = PostgresServer.CreateContext(asRole, new TenantContext());
            var migrator = asOwner.GetService<IMigrator>();
            await migrator.MigrateAsync(cancellationToken: ct);

            var order = asOwner.GetService<IDesignTimeModel>().Model.FindEntityType(typeof(Contact))!.GetProperties().OrderBy(p => p.GetColumnOrder()).Select(p => p.GetColumnName());
            Assert.Equal(order, await ColumnsAsync(connectionString));
            Assert.Equal(5, (await ColumnsAsync(connectionString)).IndexOf("attributes") + 1);
            Assert.Equal(before, await QueryAsync(connectionString, contact));

            await migrator.MigrateAsync(BeforeColumnOrder, ct);

            Assert.Equal(3, (await ColumnsAsync(connectionString)).IndexOf("email") + 1);
            Assert.Equal(before, await QueryAsync(connectionString, contact));

            await migrator.MigrateAsync(cancellationToken: ct);

            Assert.Equal(before, await QueryAsync(connectionString, contact));
            Assert.Equal(["t|t|1"], await QueryAsync(connectionString, """
                SELECT concat_ws('|', relrowsecurity, relforcerowsecurity, (SELECT count(*) FROM pg_policies WHERE tablename = 'contacts'))
                FROM pg_class WHERE relname = 'contacts'
                """));
            var missingTenant = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connectionString,
                "INSERT INTO contacts (tenant_id, id, email) VALUES ('00000000-0000-7000-8000-00000000000f', '00000000-0000-7000-8000-000000000004', 'x@example.com')"));
            Assert.Equal("contacts_tenant_exists", missingTenant.ConstraintName);
            await ExecuteAsync(connectionString, "DELETE FROM contacts");
            Assert.Equal(["0"], await QueryAsync(connectionString, "SELECT count(*)::text FROM contact_events"));
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asRole));
            await PostgresServer.DropDatabaseAsync(connectionString);
            await ExecuteAsync(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString, $"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public void Cover_every_change_to_the_model()
    {
        using var db = PostgresServer.CreateContext("Host=unused", new TenantContext());

        Assert.False(db.Database.HasPendingModelChanges(), "the model changed without a migration: run `dotnet ef migrations add`");
    }

    private static Task<List<string>> ColumnsAsync(string connectionString) =>
        QueryAsync(connectionString, "SELECT column_name FROM information_schema.columns WHERE table_name = 'contacts' ORDER BY ordinal_position");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<List<string>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
