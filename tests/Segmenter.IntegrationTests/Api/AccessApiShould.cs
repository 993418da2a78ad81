using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

/// <summary>Provisioning, API keys and the fields endpoints, and the error documents every endpoint shares.</summary>
[Collection(HangfireTests.Name)]
public sealed class AccessApiShould(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Provision_a_tenant_only_for_the_system_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var slug = $"acme-{Guid.NewGuid():N}"[..20];
        var body = new { name = "Acme", slug, time_zone = "Europe/Oslo" };

        using (var anonymous = host.Anonymous())
        {
            await AssertProblemAsync(await anonymous.PostAsJsonAsync("/api/system/tenants", body, ct), HttpStatusCode.Unauthorized);
        }

        using (var wrong = host.WithKey("not-the-system-key"))
        {
            await AssertProblemAsync(await wrong.PostAsJsonAsync("/api/system/tenants", body, ct), HttpStatusCode.Unauthorized);
        }

        using var system = host.WithKey(ApiHost.SystemKey);
        var invalid = await AssertProblemAsync(
            await system.PostAsJsonAsync("/api/system/tenants", new { name = "", slug = "Not A Slug", time_zone = "Mars/Olympus" }, ct), HttpStatusCode.BadRequest);
        Assert.Equal(["name", "slug", "time_zone"], invalid.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());

        using var created = await system.PostAsJsonAsync("/api/system/tenants", body, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var tenant = JsonDocument.Parse(await created.Content.ReadAsStringAsync(ct));
        Assert.Equal((slug, "Acme", "Europe/Oslo"), (tenant.RootElement.GetProperty("slug").GetString(), tenant.RootElement.GetProperty("name").GetString(), tenant.RootElement.GetProperty("time_zone").GetString()));
        await AssertProblemAsync(await system.PostAsJsonAsync("/api/system/tenants", body, ct), HttpStatusCode.Conflict);

        using var admin = host.WithKey(tenant.RootElement.GetProperty("api_key").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/fields", ct)).StatusCode);
    }

    [Fact]
    public async Task Store_only_a_hash_of_each_key_and_refuse_revoked_keys_and_lesser_roles()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, adminKey) = await host.ProvisionAsync();
        string marketerKey;
        Guid marketerId;
        await using (var scope = host.Factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            var issued = await scope.ServiceProvider.GetRequiredService<ApiKeys>().IssueAsync("CRM sync", TenantRole.Marketer, ct);
            (marketerKey, marketerId) = (issued.Secret, issued.Key.Id);
        }

        using var marketer = host.WithKey(marketerKey);
        Assert.Equal(HttpStatusCode.OK, (await marketer.GetAsync("/api/v1/fields", ct)).StatusCode);
        await AssertProblemAsync(
            await marketer.PostAsJsonAsync("/api/v1/fields", new { key = "plan", label = "Plan", type = "text" }, ct), HttpStatusCode.Forbidden);

        await using (var db = PostgresServer.CreateContext(host.OwnerConnectionString, new TenantContext()))
        {
            var stored = await db.ApiKeys.IgnoreQueryFilters().Where(k => k.TenantId == tenantId).ToListAsync(ct);
            Assert.Equal(2, stored.Count);
            Assert.All(stored, k => Assert.Equal(32, k.Hash.Length));
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(marketerKey)), stored.Single(k => k.Id == marketerId).Hash);
            Assert.NotNull(stored.Single(k => k.Id == marketerId).LastUsedAt);
        }

        await using (var scope = host.Factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            await scope.ServiceProvider.GetRequiredService<ApiKeys>().RevokeAsync(marketerId, ct);
        }

        await AssertProblemAsync(await marketer.GetAsync("/api/v1/fields", ct), HttpStatusCode.Unauthorized);
        using var tampered = host.WithKey(adminKey[..^1] + (adminKey[^1] == 'A' ? 'B' : 'A'));
        await AssertProblemAsync(await tampered.GetAsync("/api/v1/fields", ct), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/fields", ct)).StatusCode);
    }

    [Fact]
    public async Task List_built_in_and_custom_fields_and_create_them_once_per_tenant()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin, _) = await host.ProvisionAsync();
        var (_, other, _) = await host.ProvisionAsync();

        using var created = await admin.PostAsJsonAsync("/api/v1/fields", new { key = "plan_type", label = "Plan", type = "choice", options = (string[])["Free", "Pro"] }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/fields", new { key = "plan_type", label = "Plan again", type = "text" }, ct), HttpStatusCode.Conflict);
        var invalid = await AssertProblemAsync(
            await admin.PostAsJsonAsync("/api/v1/fields", new { key = "email", label = "Mail", type = "number", options = (string[])["x"] }, ct), HttpStatusCode.BadRequest);
        Assert.Equal(["key", "options"], invalid.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());

        var fields = await FieldsAsync(admin);
        Assert.Contains(("plan_type", "choice", false), fields);
        Assert.Contains(("email", "text", true), fields);
        Assert.Contains(("today", "date", true), fields);
        Assert.DoesNotContain(await FieldsAsync(other), f => f.Key == "plan_type");
    }

    [Fact]
    public async Task Answer_bad_bodies_with_a_problem_naming_where_and_never_a_5xx()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin, _) = await host.ProvisionAsync();

        var malformed = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/fields", """{"key": "a", "label": 12"""), HttpStatusCode.BadRequest);
        Assert.True(malformed.GetProperty("errors").TryGetProperty("label", out _), malformed.ToString());
        var wrongType = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/fields", """{"key": "a", "label": "A", "type": "text", "options": "x"}"""), HttpStatusCode.BadRequest);
        Assert.True(wrongType.GetProperty("errors").TryGetProperty("options", out _), wrongType.ToString());
        var unknown = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/fields", """{"key": "a", "label": "A", "type": "text", "colour": "red"}"""), HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("colour", out _), unknown.ToString());

        await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/fields", new string('[', 10_000) + new string(']', 10_000)), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/fields", $$"""{"key": "a", "label": "{{new string('x', 3 * 1024 * 1024)}}"}"""), HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/fields", ""), HttpStatusCode.BadRequest);
        var sql = await AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/fields", new { key = "x'; DROP TABLE contacts; --", label = "<script>alert(1)</script>", type = "text" }, ct), HttpStatusCode.BadRequest);
        Assert.True(sql.GetProperty("errors").TryGetProperty("key", out _));
    }

    private static async Task<List<(string Key, string Type, bool BuiltIn)>> FieldsAsync(HttpClient client)
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/v1/fields", TestContext.Current.CancellationToken));
        return document.RootElement.GetProperty("items").EnumerateArray()
            .Select(f => (f.GetProperty("key").GetString()!, f.GetProperty("type").GetString()!, f.GetProperty("built_in").GetBoolean())).ToList();
    }
}
