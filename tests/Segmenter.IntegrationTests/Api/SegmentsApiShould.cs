using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Contacts;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

[Collection(HangfireTests.Name)]
public sealed class SegmentsApiShould(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Norway = """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""";

    [Fact]
    public async Task Create_dynamic_segments_in_both_forms_with_their_members_and_list_them_by_pages()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();
        var contacts = await AddContactsAsync(tenantId, 6, i => i < 4 ? "Norway" : "Chile");

        var full = await CreateAsync(admin, $$"""{"name":"Norway","type":"dynamic","definition":{{Norway}}}""");
        var shorthand = await CreateAsync(admin, """{"name":"Chile","conditions":[{"field":"country","operator":"equals","value":"chile"}],"logic":"AND"}""");
        var list = await CreateAsync(admin, $$"""{"name":"Picked","type":"static","contact_ids":["{{contacts[5]}}"]}""");

        Assert.Equal((4, "dynamic"), (full.GetProperty("member_count").GetInt32(), full.GetProperty("type").GetString()));
        Assert.Equal("and", full.GetProperty("definition").GetProperty("logic").GetString());
        Assert.Equal((2, "dynamic"), (shorthand.GetProperty("member_count").GetInt32(), shorthand.GetProperty("type").GetString()));
        Assert.Equal(1, list.GetProperty("member_count").GetInt32());

        var first = await GetJsonAsync(admin, "/api/v1/segments?limit=2");
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        var second = await GetJsonAsync(admin, $"/api/v1/segments?limit=2&after={first.GetProperty("next").GetString()}");
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(
            ["Chile", "Norway", "Picked"],
            first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(s => s.GetProperty("name").GetString()).Order());
        Assert.Equal(["Picked"], (await GetJsonAsync(admin, "/api/v1/segments?type=static")).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["Norway"], (await GetJsonAsync(admin, "/api/v1/segments?q=orw")).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        await AssertProblemAsync(await admin.GetAsync("/api/v1/segments?limit=1001", ct), HttpStatusCode.BadRequest);

        var members = await GetJsonAsync(admin, $"/api/v1/segments/{Id(full)}/contacts?limit=3");
        var rest = await GetJsonAsync(admin, $"/api/v1/segments/{Id(full)}/contacts?limit=3&after={members.GetProperty("next").GetString()}");
        Assert.Equal(
            contacts.Take(4).ToHashSet(),
            members.GetProperty("items").EnumerateArray().Concat(rest.GetProperty("items").EnumerateArray()).Select(c => c.GetProperty("id").GetGuid()).ToHashSet());
    }

    [Fact]
    public async Task Name_the_path_of_every_problem_in_a_definition()
    {
        var (_, admin, _) = await host.ProvisionAsync();

        var invalid = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/segments", """
            {"name":"Bad","type":"dynamic","definition":{"logic":"and","rules":[
              {"field":"country","operator":"greater_than","value":"x"},
              {"logic":"or","rules":[{"field":"nope","operator":"equals","value":1}]}]}}
            """), HttpStatusCode.BadRequest);
        var paths = invalid.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.Contains("definition.rules[0].operator", paths);
        Assert.Contains("definition.rules[1].rules[0].field", paths);

        var structural = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/segments", """{"name":"Bad","type":"dynamic","definition":{"logic":"and","rules":[7]}}"""), HttpStatusCode.BadRequest);
        Assert.True(structural.GetProperty("errors").TryGetProperty("definition.rules[0]", out _), structural.ToString());
        var missing = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/segments", """{"name":"","type":"dynamic"}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["definition", "name"], missing.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        var badId = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/segments", """{"name":"L","type":"static","contact_ids":["x"]}"""), HttpStatusCode.BadRequest);
        Assert.True(badId.GetProperty("errors").TryGetProperty("contact_ids[0]", out _), badId.ToString());
        var deep = "{\"name\":\"Deep\",\"type\":\"dynamic\",\"definition\":" + string.Concat(Enumerable.Repeat("{\"logic\":\"and\",\"rules\":[", 3000)) + "]}";
        await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/segments", deep), HttpStatusCode.BadRequest);
        Assert.Equal(0, (await GetJsonAsync(admin, "/api/v1/segments")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Update_delete_restore_and_duplicate_with_the_conflicts_the_contract_names()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();
        await AddContactsAsync(tenantId, 5, i => i < 2 ? "Norway" : "Chile");
        var norway = Id(await CreateAsync(admin, $$"""{"name":"Norway","type":"dynamic","definition":{{Norway}}}"""));
        var reader = Id(await CreateAsync(admin, $$$"""{"name":"Reader","type":"dynamic","definition":{"logic":"and","rules":[{"segment":"{{{norway}}}","operator":"not_in"}]}}"""));
        var list = Id(await CreateAsync(admin, $$"""{"name":"Snapshot","type":"static","definition":{{Norway}}}"""));

        var renamed = await ReadAsync(await admin.PutAsJsonAsync($"/api/v1/segments/{norway}", new { name = "Nordics", description = "North" }, ct));
        Assert.Equal(("Nordics", "North", 2), (renamed.GetProperty("name").GetString(), renamed.GetProperty("description").GetString(), renamed.GetProperty("member_count").GetInt32()));
        var redefined = await ReadAsync(await PutJsonAsync(admin, $"/api/v1/segments/{norway}", """{"definition":{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Chile"}]}}"""));
        Assert.Equal(3, redefined.GetProperty("member_count").GetInt32());
        Assert.Equal(2, (await GetJsonAsync(admin, $"/api/v1/segments/{reader}")).GetProperty("member_count").GetInt32());
        await AssertProblemAsync(await PutJsonAsync(admin, $"/api/v1/segments/{list}", $$"""{"definition":{{Norway}}}"""), HttpStatusCode.Conflict);
        var cycle = await AssertProblemAsync(await PutJsonAsync(admin, $"/api/v1/segments/{norway}", $$$"""{"definition":{"logic":"and","rules":[{"segment":"{{{reader}}}","operator":"in"}]}}"""), HttpStatusCode.BadRequest);
        Assert.True(cycle.GetProperty("errors").TryGetProperty("definition.rules[0].segment", out _), cycle.ToString());

        await AssertProblemAsync(await admin.DeleteAsync($"/api/v1/segments/{norway}", ct), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/segments/{reader}", ct)).StatusCode);
        await AssertProblemAsync(await admin.GetAsync($"/api/v1/segments/{reader}", ct), HttpStatusCode.NotFound);
        Assert.Equal("Reader", (await ReadAsync(await admin.PostAsync($"/api/v1/segments/{reader}/restore", null, ct))).GetProperty("name").GetString());
        await AssertProblemAsync(await admin.PostAsync($"/api/v1/segments/{reader}/restore", null, ct), HttpStatusCode.NotFound);

        var copy = await ReadAsync(await admin.PostAsync($"/api/v1/segments/{list}/duplicate", null, ct), HttpStatusCode.Created);
        Assert.Equal(("Snapshot (copy)", "static", 2), (copy.GetProperty("name").GetString(), copy.GetProperty("type").GetString(), copy.GetProperty("member_count").GetInt32()));
        await AssertProblemAsync(await admin.PostAsync($"/api/v1/segments/{list}/refresh", null, ct), HttpStatusCode.Conflict);
        var refreshed = await ReadAsync(await admin.PostAsync($"/api/v1/segments/{norway}/refresh", null, ct));
        Assert.Equal((3, 0, 0), (refreshed.GetProperty("member_count").GetInt32(), refreshed.GetProperty("entered").GetInt32(), refreshed.GetProperty("exited").GetInt32()));
    }

    [Fact]
    public async Task Preview_explain_export_and_edit_lists_without_saving_what_is_previewed()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();
        var contacts = await AddContactsAsync(tenantId, 5, i => i < 3 ? "Norway" : "Chile");

        var preview = await ReadAsync(await PostJsonAsync(admin, "/api/v1/segments/preview", $$"""{"definition":{{Norway}},"sample_size":2}"""));
        Assert.Equal((3, 2), (preview.GetProperty("count").GetInt32(), preview.GetProperty("sample").GetArrayLength()));
        Assert.Equal(0, (await GetJsonAsync(admin, "/api/v1/segments")).GetProperty("items").GetArrayLength());

        var norway = Id(await CreateAsync(admin, $$"""{"name":"Norway, \"north\"","type":"dynamic","definition":{{Norway}}}"""));
        var explained = await GetJsonAsync(admin, $"/api/v1/segments/{norway}/explain/{contacts[4]}");
        Assert.False(explained.GetProperty("matched").GetBoolean());
        Assert.False(explained.GetProperty("member").GetBoolean());
        Assert.Equal("country", explained.GetProperty("rules")[0].GetProperty("field").GetString());
        Assert.True((await GetJsonAsync(admin, $"/api/v1/segments/{norway}/explain/{contacts[0]}")).GetProperty("rules")[0].GetProperty("matched").GetBoolean());

        using var export = await admin.GetAsync($"/api/v1/segments/{norway}/contacts.csv", ct);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,email,first_name", lines[0], StringComparison.Ordinal);
        Assert.Equal(contacts.Take(3).Select(c => c.ToString()).Order(), lines.Skip(1).Select(l => l.Split(',')[0]).Order());

        var list = Id(await CreateAsync(admin, """{"name":"Hand","type":"static"}"""));
        Assert.Equal(2, (await ReadAsync(await admin.PostAsJsonAsync($"/api/v1/segments/{list}/contacts", new { contact_ids = new[] { contacts[0], contacts[4] } }, ct))).GetProperty("member_count").GetInt32());
        Assert.Equal(1, (await ReadAsync(await admin.PostAsJsonAsync($"/api/v1/segments/{list}/contacts/remove", new { contact_ids = new[] { contacts[4] } }, ct))).GetProperty("member_count").GetInt32());
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/api/v1/segments/{norway}/contacts", new { contact_ids = new[] { contacts[4] } }, ct), HttpStatusCode.Conflict);

        var overlap = await GetJsonAsync(admin, $"/api/v1/segments/overlap?ids={norway},{list}");
        Assert.Equal((3, 1, 1), (overlap.GetProperty("counts").GetProperty(norway.ToString()).GetInt32(), overlap.GetProperty("counts").GetProperty(list.ToString()).GetInt32(), overlap.GetProperty("both").GetInt32()));
        var frozen = await ReadAsync(await admin.PostAsJsonAsync($"/api/v1/segments/{norway}/freeze", new { name = "Norway today" }, ct), HttpStatusCode.Created);
        Assert.Equal(("static", 3), (frozen.GetProperty("type").GetString(), frozen.GetProperty("member_count").GetInt32()));
        Assert.Equal(1, (await GetJsonAsync(admin, $"/api/v1/segments/{norway}/history")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Hide_other_tenants_segments_and_keep_senders_to_reading()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();
        var (_, stranger, _) = await host.ProvisionAsync();
        var contacts = await AddContactsAsync(tenantId, 2, _ => "Norway");
        var norway = Id(await CreateAsync(admin, $$"""{"name":"Norway","type":"dynamic","definition":{{Norway}}}"""));

        foreach (var path in new[] { $"/api/v1/segments/{norway}", $"/api/v1/segments/{norway}/contacts", $"/api/v1/segments/{norway}/contacts.csv", $"/api/v1/segments/{norway}/history", $"/api/v1/segments/{norway}/explain/{contacts[0]}" })
        {
            await AssertProblemAsync(await stranger.GetAsync(path, ct), HttpStatusCode.NotFound);
        }

        await AssertProblemAsync(await stranger.PutAsJsonAsync($"/api/v1/segments/{norway}", new { name = "Mine" }, ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await stranger.DeleteAsync($"/api/v1/segments/{norway}", ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await stranger.PostAsync($"/api/v1/segments/{norway}/refresh", null, ct), HttpStatusCode.NotFound);
        var foreign = await AssertProblemAsync(await PostJsonAsync(stranger, "/api/v1/segments", $$$"""{"name":"Sneaky","type":"dynamic","definition":{"logic":"and","rules":[{"segment":"{{{norway}}}","operator":"in"}]}}"""), HttpStatusCode.BadRequest);
        Assert.True(foreign.GetProperty("errors").TryGetProperty("definition.rules[0].segment", out _), foreign.ToString());

        string senderKey;
        await using (var scope = host.Factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            senderKey = (await scope.ServiceProvider.GetRequiredService<ApiKeys>().IssueAsync("Sender", TenantRole.Sender, ct)).Secret;
        }

        using var sender = host.WithKey(senderKey);
        Assert.Equal(2, (await GetJsonAsync(sender, $"/api/v1/segments/{norway}")).GetProperty("member_count").GetInt32());
        await AssertProblemAsync(await PostJsonAsync(sender, "/api/v1/segments", $$"""{"name":"N","type":"dynamic","definition":{{Norway}}}"""), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await sender.PostAsync($"/api/v1/segments/{norway}/refresh", null, ct), HttpStatusCode.Forbidden);
    }

    private async Task<List<Guid>> AddContactsAsync(Guid tenantId, int count, Func<int, string> country)
    {
        await using var db = PostgresServer.CreateContext(host.ConnectionString, Tenant(tenantId));
        var contacts = Enumerable.Range(0, count).Select(i => new Contact { TenantId = tenantId, Email = $"c{i}@example.test", Country = country(i) }).ToList();
        db.Contacts.AddRange(contacts);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return contacts.Select(c => c.Id).ToList();
    }

    private static TenantContext Tenant(Guid tenantId)
    {
        var tenant = new TenantContext();
        tenant.Use(tenantId);
        return tenant;
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, string json) =>
        await ReadAsync(await PostJsonAsync(client, "/api/v1/segments", json), HttpStatusCode.Created);

    private static Guid Id(JsonElement segment) => segment.GetProperty("id").GetGuid();
}
