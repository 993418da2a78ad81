using System.Net;
using System.Text;
using System.Text.Json;
using Segmenter.IntegrationTests.Infrastructure;

using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

/// <summary>Every endpoint that takes a body, fed the classic bad bodies: never a 5xx, and every 4xx a problem document.</summary>
[Collection(HangfireTests.Name)]
public sealed class HostileInputShould(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly string[] Bodies =
    [
        "",
        "null",
        "[]",
        "\"text\"",
        "{",
        "{\"a\":",
        "{}",
        new string('[', 10_000) + new string(']', 10_000),
        string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000),
        """{"name": 1e400, "definition": {"logic": "and", "rules": [{"field": "country", "operator": "equals", "value": 1e400}]}}""",
        """{"name": "'; DROP TABLE contacts; --", "description": "<script>alert(1)</script>", "type": "dynamic", "definition": {"logic": "AND", "rules": [{"field": "country'; --", "operator": "equals", "value": "<img src=x onerror=alert(1)>"}]}}""",
        """{"contacts": [{"email": "a@b.c", "attributes": {"x": NaN}}]}""",
        """{"contacts": [{"email": "\u0000@\uD800.com", "first_name": "\uFFFF"}], "events": [{"type": null}]}""",
        """{"include": ["not-a-uuid"], "exclude": [1, 2], "subscribed_only": "yes", "contact_ids": [null], "name": ["x"]}""",
        """{"definition": {"logic": "and", "rules": [{"event": "purchase", "aggregate": "sum", "within_days": -1, "operator": "between", "value": [5]}]}, "sample_size": 100000}""",
        "{\"name\": \"" + new string('x', 1_500_000) + "\"}",
        """{"contacts": [{"email": "nul@example.com", "first_name": "a\u0000b"}]}""",
        """{"contacts": [{"email": "nul@example.com", "attributes": {}}, {"email": "x@example.com", "tags": ["\u0000"]}]}""",
        """{"events": [{"contact_id": "00000000-0000-7000-8000-000000000001", "type": "x", "occurred_at": "2026-01-01T00:00:00Z", "properties": {"k": "\u0000"}}]}""",
        """{"contacts": [{"email": "\uD800@example.com"}]}""",
        """{"events": [{"email": "\uDFFF@example.com", "type": "x", "occurred_at": "2026-01-01T00:00:00Z"}]}""",
        """{"contacts": [{"email": "tz@example.com", "time_zone": "Eastern Standard Time"}]}""",
        """{"contacts": [{"email": "created@example.com", "created_at": null}]}""",
    ];

    private static readonly string[] Endpoints =
    [
        "POST /api/v1/fields",
        "POST /api/v1/segments",
        "POST /api/v1/segments/preview",
        "PUT /api/v1/segments/{segment}",
        "POST /api/v1/segments/{segment}/contacts",
        "POST /api/v1/segments/{segment}/contacts/remove",
        "POST /api/v1/segments/{segment}/freeze",
        "POST /api/v1/contacts/batch",
        "POST /api/v1/events/batch",
        "POST /api/v1/campaigns",
        "POST /api/v1/campaigns/audience/count",
        "POST /api/system/tenants",
    ];

    [Fact]
    public async Task Answer_every_bad_body_with_a_problem_and_never_a_5xx()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin, _) = await host.ProvisionAsync();
        using var created = await admin.PostAsync("/api/v1/segments",
            new StringContent("""{"name":"List","type":"static"}""", Encoding.UTF8, "application/json"), ct);
        var segment = JsonDocument.Parse(await created.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString();
        using var system = host.WithKey(ApiHost.SystemKey);

        var failures = new List<string>();
        foreach (var endpoint in Endpoints)
        {
            var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1].Replace("{segment}", segment, StringComparison.Ordinal));
            foreach (var body in Bodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                using var response = await (path.StartsWith("/api/system", StringComparison.Ordinal) ? system : admin).SendAsync(request, ct);
                var status = (int)response.StatusCode;
                var type = response.Content.Headers.ContentType?.MediaType;
                if (status >= 500 || (status >= 400 && type != "application/problem+json") || (status < 400 && body != "{}"))
                {
                    failures.Add($"{endpoint} with {Describe(body)}: {status} {type} {Truncate(await response.Content.ReadAsStringAsync(ct))}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var huge = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", new string(' ', 50 * 1024 * 1024)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("larger", huge.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/segments/{segment}", ct)).StatusCode);
    }

    private static string Describe(string body) => body.Length > 60 ? $"{body[..40]}… ({body.Length:N0} chars)" : body;

    private static string Truncate(string text) => text.Length > 300 ? text[..300] : text;
}
