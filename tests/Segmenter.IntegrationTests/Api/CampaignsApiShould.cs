using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

[Collection(HangfireTests.Name)]
public sealed class CampaignsApiShould(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Count_the_union_of_includes_minus_excludes_and_freeze_recipients_on_lock()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin, _) = await host.ProvisionAsync();
        var (_, stranger, _) = await host.ProvisionAsync();
        var ids = (await SendAsync(admin, HttpMethod.Post, "/api/v1/contacts/batch", new
        {
            contacts = new object[]
            {
                new { email = "a@example.com" }, new { email = "b@example.com" }, new { email = "c@example.com" },
                new { email = "d@example.com" }, new { email = "e@example.com", status = "unsubscribed" }, new { email = "f@example.com" },
            },
        })).GetProperty("ids").EnumerateArray().Select(i => i.GetGuid()).ToArray();
        var (a, b, c, d, e, f) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);
        var first = await ListAsync(admin, "First", a, b, c, d);
        var second = await ListAsync(admin, "Second", c, d, e);
        var excluded = await ListAsync(admin, "Excluded", b);

        Assert.Equal(3, (await CountAsync(admin, new { include = new[] { first, second }, exclude = new[] { excluded } })).GetInt32());
        Assert.Equal(4, (await CountAsync(admin, new { include = new[] { first, second }, exclude = new[] { excluded }, subscribed_only = false })).GetInt32());
        Assert.Equal(4, (await CountAsync(admin, new { include = new[] { first, first } })).GetInt32());

        var campaign = await SendAsync(admin, HttpMethod.Post, "/api/v1/campaigns",
            new { name = "Black Friday", audience = new { include = new[] { first, second }, exclude = new[] { excluded }, subscribed_only = true } }, HttpStatusCode.Created);
        var id = campaign.GetProperty("id").GetGuid();
        Assert.Equal(("draft", 3), (campaign.GetProperty("status").GetString(), campaign.GetProperty("recipient_count").GetInt32()));
        var page = await SendAsync(admin, HttpMethod.Get, $"/api/v1/campaigns/{id}/recipients?limit=2");
        var rest = await SendAsync(admin, HttpMethod.Get, $"/api/v1/campaigns/{id}/recipients?limit=2&after={page.GetProperty("next").GetString()}");
        Assert.Equal([a, c, d], page.GetProperty("items").EnumerateArray().Concat(rest.GetProperty("items").EnumerateArray()).Select(r => r.GetProperty("id").GetGuid()).ToHashSet());

        await AssertProblemAsync(await admin.DeleteAsync($"/api/v1/segments/{excluded}", ct), HttpStatusCode.Conflict);
        var locked = await SendAsync(admin, HttpMethod.Post, $"/api/v1/campaigns/{id}/lock", null);
        Assert.Equal(("locked", 3), (locked.GetProperty("status").GetString(), locked.GetProperty("recipient_count").GetInt32()));
        await SendAsync(admin, HttpMethod.Post, $"/api/v1/segments/{first}/contacts", new { contact_ids = new[] { f } });
        Assert.Equal(3, (await SendAsync(admin, HttpMethod.Get, $"/api/v1/campaigns/{id}")).GetProperty("recipient_count").GetInt32());
        Assert.Equal(3, (await SendAsync(admin, HttpMethod.Get, $"/api/v1/campaigns/{id}/recipients")).GetProperty("items").GetArrayLength());
        await AssertProblemAsync(await admin.PostAsync($"/api/v1/campaigns/{id}/lock", null, ct), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/segments/{excluded}", ct)).StatusCode);

        await AssertProblemAsync(await stranger.GetAsync($"/api/v1/campaigns/{id}", ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await stranger.GetAsync($"/api/v1/campaigns/{id}/recipients", ct), HttpStatusCode.NotFound);
        var foreign = await AssertProblemAsync(await stranger.PostAsJsonAsync("/api/v1/campaigns/audience/count", new { include = new[] { first } }, ct), HttpStatusCode.BadRequest);
        Assert.True(foreign.GetProperty("errors").TryGetProperty("include[0]", out _), foreign.ToString());
        var invalid = await AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/campaigns", new { name = "", audience = new { include = Array.Empty<Guid>() } }, ct), HttpStatusCode.BadRequest);
        Assert.Equal(["audience.include", "name"], invalid.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
    }

    private static async Task<Guid> ListAsync(HttpClient client, string name, params Guid[] contacts) =>
        (await SendAsync(client, HttpMethod.Post, "/api/v1/segments", new { name, type = "static", contact_ids = contacts }, HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<JsonElement> CountAsync(HttpClient client, object audience) =>
        (await SendAsync(client, HttpMethod.Post, "/api/v1/campaigns/audience/count", audience)).GetProperty("count");

    private static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
