using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

[Collection(HangfireTests.Name)]
public sealed class AuditLogShould(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Record_who_created_changed_refreshed_froze_and_deleted_segments_and_locked_a_campaign_with_before_and_after()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, admin, _) = await host.ProvisionAsync();
        var (other, otherAdmin, _) = await host.ProvisionAsync();

        var segment = (await ReadAsync(await PostJsonAsync(admin, "/api/v1/segments",
            """{"name":"Norway","type":"dynamic","definition":{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}}"""), HttpStatusCode.Created)).GetProperty("id").GetString();
        await ReadAsync(await PutJsonAsync(admin, $"/api/v1/segments/{segment}",
            """{"name":"Nordics","definition":{"logic":"or","rules":[{"field":"country","operator":"equals","value":"Norway"},{"field":"country","operator":"equals","value":"Sweden"}]}}"""));
        await ReadAsync(await admin.PostAsync($"/api/v1/segments/{segment}/refresh", null, ct));
        await ReadAsync(await admin.PostAsJsonAsync($"/api/v1/segments/{segment}/freeze", new { name = "Nordics today" }, ct), HttpStatusCode.Created);
        var campaign = (await ReadAsync(await admin.PostAsJsonAsync("/api/v1/campaigns", new { name = "Spring", audience = new { include = new[] { segment } } }, ct), HttpStatusCode.Created))
            .GetProperty("id").GetString();
        await ReadAsync(await admin.PostAsync($"/api/v1/campaigns/{campaign}/lock", null, ct));
        var list = (await ReadAsync(await PostJsonAsync(admin, "/api/v1/segments", """{"name":"Scratch","type":"static"}"""), HttpStatusCode.Created)).GetProperty("id").GetString();
        var contact = (await ReadAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", """{"contacts":[{"email":"listed@example.test"}]}""")))
            .GetProperty("ids")[0].GetGuid();
        await ReadAsync(await admin.PostAsJsonAsync($"/api/v1/segments/{list}/contacts", new { contact_ids = new[] { contact } }, ct));
        await ReadAsync(await admin.PostAsJsonAsync($"/api/v1/segments/{list}/contacts/remove", new { contact_ids = new[] { contact } }, ct));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/segments/{list}", ct)).StatusCode);
        await ReadAsync(await PostJsonAsync(otherAdmin, "/api/v1/segments", """{"name":"Elsewhere","type":"static"}"""), HttpStatusCode.Created);

        var entries = await EntriesAsync(tenant);

        Assert.Equal(
            ["segment.created", "segment.updated", "segment.refreshed", "segment.frozen", "campaign.locked", "segment.created",
             "segment.members_added", "segment.members_removed", "segment.deleted"],
            entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(("api_key", "API key 'First admin key'"), (e.ActorKind, e.ActorName)));
        var update = entries[1];
        Assert.Equal(("Norway", "Nordics"), (update.Before!.RootElement.GetProperty("name").GetString(), update.After!.RootElement.GetProperty("name").GetString()));
        Assert.Equal(1, update.Before.RootElement.GetProperty("definition").GetProperty("rules").GetArrayLength());
        Assert.Equal(2, update.After.RootElement.GetProperty("definition").GetProperty("rules").GetArrayLength());
        Assert.Equal("Nordics today", entries[3].After!.RootElement.GetProperty("copy_name").GetString());
        Assert.Equal([contact], entries[6].After!.RootElement.GetProperty("contact_ids").EnumerateArray().Select(id => id.GetGuid()));
        Assert.Equal((1, 0), (entries[6].After!.RootElement.GetProperty("member_count").GetInt32(), entries[7].After!.RootElement.GetProperty("member_count").GetInt32()));
        Assert.Equal(("Scratch", null), (entries[8].Before!.RootElement.GetProperty("name").GetString(), entries[8].After));
        Assert.Equal(["segment.created"], (await EntriesAsync(other)).Select(e => e.Action));
    }

    private sealed record Entry(string Action, string ActorKind, string ActorName, JsonDocument? Before, JsonDocument? After);

    private async Task<List<Entry>> EntriesAsync(Guid tenant)
    {
        await using var connection = new NpgsqlConnection(host.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT action, actor_kind, actor_name, before::text, after::text FROM audit_entries WHERE tenant_id = @tenant ORDER BY at, id", connection);
        command.Parameters.AddWithValue("tenant", tenant);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var entries = new List<Entry>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            entries.Add(new Entry(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : JsonDocument.Parse(reader.GetString(3)), reader.IsDBNull(4) ? null : JsonDocument.Parse(reader.GetString(4))));
        }

        return entries;
    }
}
