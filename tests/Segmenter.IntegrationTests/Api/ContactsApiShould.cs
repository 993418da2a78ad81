using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

[Collection(HangfireTests.Name)]
public sealed class ContactsApiShould(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Upsert_by_email_overwriting_only_what_is_given_and_merging_attributes()
    {
        var (_, admin, _) = await host.ProvisionAsync();
        await CreateFieldsAsync(admin);

        var first = await PostAsync(admin, "/api/v1/contacts/batch", """
            {"contacts":[
              {"email":"Ann@Example.com","first_name":"Ann","country":"Norway","tags":["VIP"],"attributes":{"lifetime_value":1200.5,"plan_type":"pro","renews_on":"2027-01-31"}},
              {"email":"bob@example.com","status":"unsubscribed","subscribed_at":"2026-11-24T09:30:00+01:00","birthday":"1990-02-28"}]}
            """);
        Assert.Equal((2, 0), (first.GetProperty("created").GetInt32(), first.GetProperty("updated").GetInt32()));
        var (ann, bob) = (first.GetProperty("ids")[0].GetGuid(), first.GetProperty("ids")[1].GetGuid());

        var second = await PostAsync(admin, "/api/v1/contacts/batch", """
            {"contacts":[
              {"email":"new@example.com"},
              {"email":"ANN@example.COM","country":null,"attributes":{"lifetime_value":99,"plan_type":null}}]}
            """);
        Assert.Equal((1, 1), (second.GetProperty("created").GetInt32(), second.GetProperty("updated").GetInt32()));
        Assert.Equal(ann, second.GetProperty("ids")[1].GetGuid());

        var updated = await GetJsonAsync(admin, $"/api/v1/contacts/{ann}");
        Assert.Equal(("Ann@Example.com", "Ann", JsonValueKind.Null, "subscribed"), (updated.GetProperty("email").GetString(), updated.GetProperty("first_name").GetString(), updated.GetProperty("country").ValueKind, updated.GetProperty("status").GetString()));
        Assert.Equal(["VIP"], updated.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("""{"renews_on":"2027-01-31","lifetime_value":99}""", Normalize(updated.GetProperty("attributes")));
        var other = await GetJsonAsync(admin, $"/api/v1/contacts/{bob}");
        Assert.Equal(("unsubscribed", "1990-02-28"), (other.GetProperty("status").GetString(), other.GetProperty("birthday").GetString()));
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T08:30:00Z", System.Globalization.CultureInfo.InvariantCulture), other.GetProperty("subscribed_at").GetDateTimeOffset());
        var byEmail = await GetJsonAsync(admin, "/api/v1/contacts?email=BOB@EXAMPLE.COM");
        Assert.Equal(bob, Assert.Single(byEmail.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Write_nothing_when_one_item_is_bad_and_name_every_bad_item()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();
        await CreateFieldsAsync(admin);

        var problem = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", """
            {"contacts":[
              {"email":"good@example.com","first_name":"Good"},
              {"email":"not an email"},
              {"email":"c@example.com","attributes":{"lifetime_value":"a lot","plan_type":"Platinum","shoe_size":42}},
              {"email":"d@example.com","birthday":"28/02/1990","subscribed_at":"2026-11-24 09:30","status":"gone","colour":"red"},
              {"email":"GOOD@example.com"}]}
            """), HttpStatusCode.BadRequest);

        Assert.Equal(
            ["contacts[1].email", "contacts[2].attributes.lifetime_value", "contacts[2].attributes.plan_type", "contacts[2].attributes.shoe_size",
             "contacts[3].birthday", "contacts[3].colour", "contacts[3].status", "contacts[3].subscribed_at", "contacts[4].email"],
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        await using var db = PostgresServer.CreateContext(host.OwnerConnectionString, new TenantContext());
        Assert.Equal(0, await db.Contacts.IgnoreQueryFilters().CountAsync(c => c.TenantId == tenantId, ct));
        // Distinct for .NET's case-insensitive comparison, one email for PostgreSQL's lower().
        var folded = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", """
            {"contacts":[{"email":"straße@example.com"},{"email":"ok@example.com"},{"email":"STRAẞE@example.com"}]}
            """), HttpStatusCode.BadRequest);
        Assert.Equal("contacts[2].email", Assert.Single(folded.GetProperty("errors").EnumerateObject()).Name);
        Assert.Equal(0, await db.Contacts.IgnoreQueryFilters().CountAsync(c => c.TenantId == tenantId, ct));
        await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", """{"contacts":[]}"""), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", """{"people":[{"email":"a@b.c"}]}"""), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Merge_concurrent_batches_of_one_tenant_that_share_emails()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();

        // Four writers, each 600 emails overlapping its neighbours' by half, each in its own shuffled order.
        var writers = Enumerable.Range(0, 4).Select(w =>
        {
            var emails = Enumerable.Range(w * 300, 600).Select(i => $"person{i}@example.com").ToArray();
            new Random(w).Shuffle(emails);
            return JsonSerializer.Serialize(new { contacts = emails.Select(e => new { email = e, last_name = $"writer {w}" }) });
        });
        var results = await Task.WhenAll(writers.Select(async body => await PostAsync(admin, "/api/v1/contacts/batch", body)));

        await using var db = PostgresServer.CreateContext(host.OwnerConnectionString, new TenantContext());
        var stored = await db.Contacts.IgnoreQueryFilters().Where(c => c.TenantId == tenantId).ToListAsync(ct);
        Assert.Equal(1_500, stored.Count);
        Assert.Equal(1_500, results.Sum(r => r.GetProperty("created").GetInt32()));
        Assert.Equal(900, results.Sum(r => r.GetProperty("updated").GetInt32()));
        Assert.Equal(stored.Select(c => c.Id).Order(), results.SelectMany(r => r.GetProperty("ids").EnumerateArray().Select(i => i.GetGuid())).Distinct().Order());
        Assert.All(stored, c => Assert.Contains(c.LastName, Enumerable.Range(0, 4).Select(w => $"writer {w}")));
    }

    [Fact]
    public async Task Record_events_by_contact_id_or_email_all_or_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();
        var (_, stranger, _) = await host.ProvisionAsync();
        var ids = (await PostAsync(admin, "/api/v1/contacts/batch", """{"contacts":[{"email":"a@example.com"},{"email":"b@example.com"}]}""")).GetProperty("ids");
        var strangerId = (await PostAsync(stranger, "/api/v1/contacts/batch", """{"contacts":[{"email":"a@example.com"}]}""")).GetProperty("ids")[0].GetGuid();

        var bad = await AssertProblemAsync(await PostJsonAsync(admin, "/api/v1/events/batch", $$$"""
            {"events":[
              {"contact_id":"{{{ids[0].GetGuid()}}}","type":"purchase","occurred_at":"2026-11-20T10:00:00Z","properties":{"amount":20}},
              {"email":"nobody@example.com","type":"purchase","occurred_at":"2026-11-20T10:00:00Z"},
              {"contact_id":"{{{strangerId}}}","type":"purchase","occurred_at":"2026-11-20T10:00:00Z"},
              {"email":"b@example.com","type":"","occurred_at":"yesterday"}]}
            """), HttpStatusCode.BadRequest);
        Assert.Equal(
            ["events[1].email", "events[2].contact_id", "events[3].occurred_at", "events[3].type"],
            bad.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        await using var db = PostgresServer.CreateContext(host.OwnerConnectionString, new TenantContext());
        Assert.Equal(0, await db.ContactEvents.IgnoreQueryFilters().CountAsync(e => e.TenantId == tenantId, ct));

        var accepted = await PostAsync(admin, "/api/v1/events/batch", $$$"""
            {"events":[
              {"contact_id":"{{{ids[0].GetGuid()}}}","type":"purchase","occurred_at":"2026-11-20T10:00:00Z","properties":{"amount":20}},
              {"email":"B@EXAMPLE.COM","type":"email_opened","occurred_at":"2026-11-21T10:00:00+02:00"}]}
            """);
        Assert.Equal(2, accepted.GetProperty("accepted").GetInt32());
        Assert.Equal(2, await db.ContactEvents.IgnoreQueryFilters().CountAsync(e => e.TenantId == tenantId, ct));
    }

    [Fact]
    public async Task Move_contacts_into_dynamic_segments_as_soon_as_the_batch_is_written()
    {
        var (_, admin, _) = await host.ProvisionAsync();
        var segment = (await PostAsync(admin, "/api/v1/segments", """
            {"name":"Buyers in Norway","type":"dynamic","definition":{"logic":"and","rules":[
              {"field":"country","operator":"equals","value":"Norway"},
              {"event":"purchase","operator":"greater_than_or_equal","value":1}]}}
            """, HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var contact = (await PostAsync(admin, "/api/v1/contacts/batch", """{"contacts":[{"email":"kari@example.no","country":"Norway"}]}""")).GetProperty("ids")[0].GetGuid();
        await PostAsync(admin, "/api/v1/events/batch", $$"""{"events":[{"contact_id":"{{contact}}","type":"purchase","occurred_at":"2026-01-01T00:00:00Z"}]}""");
        var latency = await WaitForAsync(admin, segment, members => members.Contains(contact));
        Assert.Equal(segment, Assert.Single((await GetJsonAsync(admin, $"/api/v1/contacts/{contact}/segments")).GetProperty("items").EnumerateArray()).GetProperty("segment_id").GetGuid());

        await PostAsync(admin, "/api/v1/contacts/batch", """{"contacts":[{"email":"KARI@example.no","country":"Sweden"}]}""");
        await WaitForAsync(admin, segment, members => members.Count == 0);
        TestContext.Current.SendDiagnosticMessage($"membership visible {latency.TotalMilliseconds:F0} ms after the events batch returned");
    }

    [Fact]
    public async Task Keep_strings_literal_delete_contacts_and_hide_other_tenants_contacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin, _) = await host.ProvisionAsync();
        var (_, stranger, _) = await host.ProvisionAsync();
        var hostile = "Robert'); DROP TABLE contacts; -- <script>alert(1)</script> %_\\ Zoë";
        var id = (await PostAsync(admin, "/api/v1/contacts/batch", JsonSerializer.Serialize(new { contacts = new[] { new { email = "r@example.com", first_name = hostile } } })))
            .GetProperty("ids")[0].GetGuid();
        Assert.Equal(hostile, (await GetJsonAsync(admin, $"/api/v1/contacts/{id}")).GetProperty("first_name").GetString());

        await AssertProblemAsync(await stranger.GetAsync($"/api/v1/contacts/{id}", ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await stranger.DeleteAsync($"/api/v1/contacts/{id}", ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await stranger.GetAsync($"/api/v1/contacts/{id}/segments", ct), HttpStatusCode.NotFound);
        Assert.Empty((await GetJsonAsync(stranger, "/api/v1/contacts?email=r@example.com")).GetProperty("items").EnumerateArray());

        var list = (await PostAsync(admin, "/api/v1/segments", $$"""{"name":"Robert's list","type":"static","contact_ids":["{{id}}"]}""", HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/contacts/{id}", ct)).StatusCode);
        await AssertProblemAsync(await admin.GetAsync($"/api/v1/contacts/{id}", ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await admin.DeleteAsync($"/api/v1/contacts/{id}", ct), HttpStatusCode.NotFound);
        Assert.Equal(0, (await GetJsonAsync(admin, $"/api/v1/segments/{list}")).GetProperty("member_count").GetInt32());
        await using var db = PostgresServer.CreateContext(host.OwnerConnectionString, new TenantContext());
        Assert.Equal(
            ["entered", "exited"],
            await db.SegmentMembershipChanges.IgnoreQueryFilters().Where(c => c.SegmentId == list).OrderBy(c => c.Id).Select(c => c.Kind).ToListAsync(ct));
    }

    private static async Task CreateFieldsAsync(HttpClient admin)
    {
        foreach (var field in new[]
                 {
                     """{"key":"lifetime_value","label":"Lifetime value","type":"number"}""",
                     """{"key":"plan_type","label":"Plan","type":"choice","options":["Free","Pro"]}""",
                     """{"key":"renews_on","label":"Renews on","type":"date"}""",
                 })
        {
            await PostAsync(admin, "/api/v1/fields", field, HttpStatusCode.Created);
        }
    }

    private static async Task<TimeSpan> WaitForAsync(HttpClient client, Guid segment, Func<HashSet<Guid>, bool> expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var members = (await GetJsonAsync(client, $"/api/v1/segments/{segment}/contacts")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToHashSet();
            if (expected(members))
            {
                return clock.Elapsed;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the membership did not follow the write within 10 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static string Normalize(JsonElement json) =>
        JsonSerializer.Serialize(json.EnumerateObject().OrderByDescending(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => p.Value));

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, string json, HttpStatusCode status = HttpStatusCode.OK) =>
        await ReadAsync(await PostJsonAsync(client, path, json), status);
}
