using System.Text.Json;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Segmenter.Core.Contacts;
using Segmenter.Core.Fields;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Rules;

public sealed class RuleQueriesShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    // 28 February 2026, 15:30 UTC: 21:00 the same day in Kolkata (UTC+05:30).
    private static readonly DateTimeOffset Now = new(2026, 2, 28, 15, 30, 0, TimeSpan.Zero);

    private static readonly string[] Hostile =
    [
        "'; DROP TABLE contacts; --",
        "\" OR 1=1 --",
        "%' OR '1'='1",
        "\\'; SELECT pg_sleep(10); --",
        "<script>alert(1)</script>",
        "$1 $$ :name @p0 {0}",
    ];

    [Fact]
    public async Task Count_page_and_count_each_rule_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, contacts) = await SeedAsync();
        await using var db = database.CreateContext(tenant);
        var queries = Queries(db);
        var definition = RuleJson.ParseDefinition("""
            {"logic":"or","rules":[
              {"field":"plan_type","operator":"equals","value":"pro"},
              {"field":"lifetime_value","operator":"greater_than","value":100}]}
            """);

        var count = await queries.CountAsync(definition, ct);
        var first = await queries.PageAsync(definition, null, 2, ct);
        var second = await queries.PageAsync(definition, first.Next, 2, ct);
        var perRule = await queries.CountEachAsync([.. definition.Rules, RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"nope","operator":"equals","value":1}]}""").Rules[0]], ct);

        Assert.Equal(3, count);
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.Next);
        Assert.Single(second.Items);
        Assert.Null(second.Next);
        Assert.Equal(
            contacts.Where(c => c.Email is "ada@example.test" or "grace@example.test" or "linus@example.test").Select(c => c.Id).Order(),
            first.Items.Concat(second.Items).Select(c => c.Id).Order());
        Assert.Equal([2, 2, null], perRule);
    }

    [Fact]
    public async Task Explain_why_a_contact_is_in_or_out()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, contacts) = await SeedAsync();
        await using var db = database.CreateContext(tenant);
        var grace = contacts.Single(c => c.Email == "grace@example.test");
        var definition = RuleJson.ParseDefinition("""
            {"logic":"and","rules":[
              {"field":"plan_type","operator":"equals","value":"Pro"},
              {"logic":"or","negate":true,"rules":[{"field":"country","operator":"equals","value":"Norway"}]}]}
            """);

        var explained = await Queries(db).ExplainAsync(definition, grace.Id, ct);
        var unknown = await Queries(db).ExplainAsync(definition, Guid.CreateVersion7(), ct);

        Assert.NotNull(explained);
        Assert.False(explained.Matched);
        Assert.Equal([true, false], explained.Children.Select(c => c.Matched));
        Assert.Equal("rules[1].rules[0]", explained.Children[1].Children[0].Path);
        Assert.True(explained.Children[1].Children[0].Matched);
        Assert.Null(unknown);
    }

    [Fact]
    public async Task Refuse_an_invalid_definition_with_the_path_of_each_problem()
    {
        var (tenant, _) = await SeedAsync();
        var other = await database.NewTenantAsync();
        var segmentOfOther = await AddSegmentAsync(other.Id);
        await using var db = database.CreateContext(tenant);
        var definition = RuleJson.ParseDefinition($$"""
            {"logic":"and","rules":[
              {"field":"lifetime_value","operator":"contains","value":"1"},
              {"segment":"{{segmentOfOther}}","operator":"in"}]}
            """);

        var error = await Assert.ThrowsAsync<ValidationException>(() => Queries(db).CountAsync(definition, TestContext.Current.CancellationToken));

        Assert.Equal(["rules[0].operator", "rules[1].segment"], error.Errors.Select(e => e.PropertyName));
    }

    [Fact]
    public async Task Treat_sql_in_every_string_value_as_plain_data()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, contacts) = await SeedAsync();
        await using var db = database.CreateContext(tenant);
        var queries = Queries(db);
        foreach (var hostile in Hostile)
        {
            var value = JsonSerializer.Serialize(hostile);
            var definition = RuleJson.ParseDefinition($$"""
                {"logic":"or","rules":[
                  {"field":"city","operator":"equals","value":{{value}}},
                  {"field":"email","operator":"contains","value":{{value}}},
                  {"field":"plan_type","operator":"in","value":[{{value}}]},
                  {"field":"country","operator":"not_contains","value":{{value}}},
                  {"field":"tags","operator":"contains_any","value":[{{value}}]},
                  {"event":{{value}},"where":[{"property":{{value}},"operator":"starts_with","value":{{value}}}],"operator":"greater_than","value":0},
                  {"event":"purchase","aggregate":"sum","property":{{value}},"operator":"greater_than","value":0}]}
                """);

            var sql = db.Contacts.Where(RuleTranslator.Translate(definition, await queries.EnvironmentAsync(ct))).ToQueryString();
            var statement = string.Join('\n', sql.Split('\n').Where(line => !line.StartsWith("--", StringComparison.Ordinal)));

            Assert.DoesNotContain(hostile, statement, StringComparison.Ordinal);
            Assert.DoesNotContain(hostile.ToLowerInvariant(), statement, StringComparison.Ordinal);
            Assert.Equal(contacts.Count(c => c.Country != null), await queries.CountAsync(definition, ct) - 1);
        }

        Assert.Equal(contacts.Count, await db.Contacts.CountAsync(ct));
    }

    [Fact]
    public async Task Judge_datetime_days_in_the_tenants_time_zone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, contacts) = await SeedAsync();
        await using var db = database.CreateContext(tenant);
        var queries = Queries(db);

        // Linus subscribed at 2026-02-27 19:00 UTC, which is 00:30 on 28 February in Kolkata.
        var on28 = await queries.PageAsync(RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"subscribed_at","operator":"equals","value":"2026-02-28"}]}"""), null, 10, ct);
        var on27 = await queries.CountAsync(RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"subscribed_at","operator":"equals","value":"2026-02-27"}]}"""), ct);

        Assert.Equal(["linus@example.test"], on28.Items.Select(c => c.Email));
        Assert.Equal(0, on27);
    }

    [Fact]
    public async Task Offer_the_tenants_fields_event_types_and_other_segments_to_the_builder()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, contacts) = await SeedAsync();
        var (other, otherContacts) = await SeedAsync();
        var edited = await AddSegmentAsync(tenant);
        var elsewhere = await AddSegmentAsync(tenant);
        await AddSegmentAsync(other);
        await using (var db = database.CreateContext(tenant))
        {
            db.ContactEvents.AddRange(
                Event(tenant, contacts[0].Id, "purchase"), Event(tenant, contacts[1].Id, "purchase"), Event(tenant, contacts[0].Id, "email_opened"));
            await db.SaveChangesAsync(ct);
        }

        await using (var db = database.CreateContext(other))
        {
            db.ContactEvents.Add(Event(other, otherContacts[0].Id, "webinar_joined"));
            await db.SaveChangesAsync(ct);
        }

        await using var tenantDb = database.CreateContext(tenant);
        var choices = await Queries(tenantDb).ChoicesAsync(edited, ct);

        Assert.Equal(["email_opened", "purchase"], choices.EventTypes);
        Assert.Equal([elsewhere], choices.Segments.Select(s => s.Id));
        Assert.NotNull(choices.Catalog.Find("plan_type"));
        Assert.Equal(new RuleLimits().MaxDepth, choices.MaxDepth);
    }

    private static ContactEvent Event(Guid tenant, Guid contact, string type) =>
        new() { TenantId = tenant, ContactId = contact, Type = type, OccurredAt = Now.AddDays(-1) };

    private static RuleQueries Queries(Segmenter.Core.Data.SegmenterDbContext db) =>
        new(db, new FixedClock(Now), Options.Create(new RuleLimits()));

    private async Task<(Guid Tenant, List<Contact> Contacts)> SeedAsync()
    {
        var tenant = await database.NewTenantAsync("Asia/Kolkata");
        await using var db = database.CreateContext(tenant.Id);
        db.FieldDefinitions.AddRange(
            new FieldDefinition { TenantId = tenant.Id, Key = "plan_type", Label = "Plan", Type = FieldType.Choice, Options = ["Free", "Pro"] },
            new FieldDefinition { TenantId = tenant.Id, Key = "lifetime_value", Label = "LTV", Type = FieldType.Number });
        Contact Contact(string email, string? country, string? plan, decimal? ltv, DateTimeOffset? subscribedAt = null) => new()
        {
            TenantId = tenant.Id,
            Email = email,
            Country = country,
            SubscribedAt = subscribedAt,
            Attributes = AttributeValues.ToDocument(new Dictionary<string, (string, object?)>
            {
                ["plan_type"] = (FieldType.Choice, plan),
                ["lifetime_value"] = (FieldType.Number, ltv),
            }),
        };
        List<Contact> contacts =
        [
            Contact("ada@example.test", "United Kingdom", "Pro", 50m),
            Contact("grace@example.test", "Norway", "PRO", 500m),
            Contact("linus@example.test", "Finland", "Free", 1000m, new DateTimeOffset(2026, 2, 27, 19, 0, 0, TimeSpan.Zero)),
            Contact("margaret@example.test", "USA", "Free", 100m),
            Contact("nobody@example.test", null, null, null),
        ];
        db.Contacts.AddRange(contacts);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return (tenant.Id, contacts);
    }

    private async Task<Guid> AddSegmentAsync(Guid tenantId)
    {
        await using var db = database.CreateContext(tenantId);
        var segment = new Segment { TenantId = tenantId, Name = "Elsewhere", Type = SegmentType.Static };
        db.Segments.Add(segment);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return segment.Id;
    }
}
