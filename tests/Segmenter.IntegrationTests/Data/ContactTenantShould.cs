using Npgsql;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Data;

/// <summary>
/// contacts.tenant_id is checked by statement triggers instead of a foreign key (ADR-008); these are the
/// guarantees the foreign key gave, written in raw SQL so that no application check stands in front.
/// </summary>
public sealed class ContactTenantShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Refuse_a_statement_with_one_contact_of_a_tenant_that_does_not_exist()
    {
        var tenant = await database.NewTenantAsync();
        var missing = Guid.CreateVersion7();
        await using var connection = await OpenAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, """
            INSERT INTO contacts (tenant_id, id, email, status, created_at, updated_at, tags, attributes)
            VALUES (@tenant, gen_random_uuid(), 'kept-out@example.test', 'subscribed', now(), now(), '{}', '{}'),
                   (@missing, gen_random_uuid(), 'orphan@example.test', 'subscribed', now(), now(), '{}', '{}')
            """, ("tenant", tenant.Id), ("missing", missing)));

        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, error.SqlState);
        Assert.Equal("contacts_tenant_exists", error.ConstraintName);
        Assert.Contains(missing.ToString(), error.MessageText, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM contacts WHERE tenant_id IN (@tenant, @missing)", ("tenant", tenant.Id), ("missing", missing)));
    }

    [Fact]
    public async Task Refuse_to_move_a_contact_to_another_tenant()
    {
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        var graph = await TenantGraph.SeedAsync(database, a.Id);
        await using var connection = await OpenAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(
            connection, "UPDATE contacts SET tenant_id = @b WHERE id = @contact", ("b", b.Id), ("contact", graph.ContactId)));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM contacts WHERE tenant_id = @a AND id = @contact", ("a", a.Id), ("contact", graph.ContactId)));
    }

    [Fact]
    public async Task Delete_a_tenants_contacts_and_everything_hanging_from_them_with_the_tenant()
    {
        var gone = await TenantGraph.SeedAsync(database, (await database.NewTenantAsync()).Id);
        var kept = await TenantGraph.SeedAsync(database, (await database.NewTenantAsync()).Id);
        await using var connection = await OpenAsync();

        await ExecuteAsync(connection, "DELETE FROM tenants WHERE id = @gone", ("gone", gone.TenantId));

        const string rowsOfTenant = """
            SELECT (SELECT count(*) FROM contacts WHERE tenant_id = @t) + (SELECT count(*) FROM contact_events WHERE tenant_id = @t)
                 + (SELECT count(*) FROM segment_members WHERE tenant_id = @t) + (SELECT count(*) FROM campaign_recipients WHERE tenant_id = @t)
            """;
        Assert.Equal(0L, await ScalarAsync(connection, rowsOfTenant, ("t", gone.TenantId)));
        Assert.Equal(4L, await ScalarAsync(connection, rowsOfTenant, ("t", kept.TenantId)));
    }

    [Fact]
    public async Task Keep_a_tenant_from_being_deleted_under_an_uncommitted_insert_of_its_contacts()
    {
        var tenant = await database.NewTenantAsync();
        var ct = TestContext.Current.CancellationToken;
        await using var inserting = await OpenAsync();
        await using var transaction = await inserting.BeginTransactionAsync(ct);
        await ExecuteAsync(inserting, """
            INSERT INTO contacts (tenant_id, id, email, status, created_at, updated_at, tags, attributes)
            VALUES (@tenant, gen_random_uuid(), 'in-flight@example.test', 'subscribed', now(), now(), '{}', '{}')
            """, ("tenant", tenant.Id));

        await using var deleting = await OpenAsync();
        var deletion = ExecuteAsync(deleting, "DELETE FROM tenants WHERE id = @tenant", ("tenant", tenant.Id));
        await WaitForBlockedDeleteAsync(tenant.Id, deletion);

        await transaction.CommitAsync(ct);
        await deletion;

        // Deleted after the insert committed, the tenant took the new contact with it: no contact is left without a tenant.
        Assert.Equal(0L, await ScalarAsync(deleting, "SELECT count(*) FROM contacts WHERE tenant_id = @tenant", ("tenant", tenant.Id)));
    }

    /// <summary>Waits until the deletion waits for a row lock, failing if it finishes first or never blocks.</summary>
    private async Task WaitForBlockedDeleteAsync(Guid tenantId, Task deletion)
    {
        await using var observer = await OpenAsync();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            Assert.False(deletion.IsCompleted, $"tenant {tenantId} was deleted while an insert of its contacts was uncommitted");
            var waiting = await ScalarAsync(observer, """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM tenants%'
                """);
            if (waiting == 1)
            {
                return;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Fail("the deletion of the tenant never waited for the inserting transaction");
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params (string Name, Guid Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, params (string Name, Guid Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, (string Name, Guid Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
