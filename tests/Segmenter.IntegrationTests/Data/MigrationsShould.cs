using Microsoft.EntityFrameworkCore;
using Npgsql;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Data;

public sealed class MigrationsShould
{
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
    public void Cover_every_change_to_the_model()
    {
        using var db = PostgresServer.CreateContext("Host=unused", new TenantContext());

        Assert.False(db.Database.HasPendingModelChanges(), "the model changed without a migration: run `dotnet ef migrations add`");
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
