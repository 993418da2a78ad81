using System.Diagnostics;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Rules;

/// <summary>
/// The proof of the translator: thousands of random valid trees, each run as SQL on PostgreSQL and by the
/// reference evaluator over the same contacts in memory, compared as sets, in each of the translator's shapes
/// (per contact; over all contacts with the event totals; and the ids counted, started from a set of ids
/// where the tree is about events alone, which must hold no id twice). Two evaluation instants: a 28
/// February of a non-leap year, and the morning US daylight saving time starts.
/// </summary>
public sealed class DifferentialShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    public static TheoryData<string, int, int> Runs => new()
    {
        { "2026-02-28T15:30:00Z", 2000, 1 },
        { "2026-03-08T06:30:00Z", 1000, 2 },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Agree_with_the_reference_evaluator_on_random_trees(string now, int trees, int seed)
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, catalog, compare) = await ComparisonAsync(now, seed, ct);
        var generator = new RuleTreeGenerator(seed * 7919, tenant, catalog);
        var clock = Stopwatch.StartNew();
        var (mismatched, splitting, failures) = await compare(Enumerable.Range(0, trees).Select(_ => generator.Next()), $"seed {seed}");

        TestContext.Current.SendDiagnosticMessage($"{trees} trees in {clock.Elapsed.TotalSeconds:F1} s; {splitting} split the contacts; {mismatched} mismatched");
        Assert.True(mismatched == 0, $"{mismatched} answers of {trees} trees (each in three shapes) disagree with the reference:\n{failures}");
        Assert.True(splitting > trees / 2, $"only {splitting} of {trees} trees split the contacts: the generator is too weak to prove anything");
    }

    /// <summary>
    /// Counts of one event type under one AND, which the translator answers from one total per contact (an
    /// all-time count and windows' thresholds, At risk's shape), alone, beside other conditions, under OR and NOT,
    /// for each event type of a tenant whose contacts also have events after now.
    /// </summary>
    [Theory]
    [InlineData("2026-02-28T15:30:00Z", 3)]
    [InlineData("2026-03-08T06:30:00Z", 4)]
    public async Task Agree_with_the_reference_evaluator_on_counts_read_from_one_total(string now, int seed)
    {
        string[] shapes =
        [
            """{"logic":"and","rules":[{"event":"T","within_days":60,"operator":"less_than","value":2},{"event":"T","operator":"greater_than","value":2}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":30,"operator":"greater_than_or_equal","value":2},{"event":"T","operator":"less_than_or_equal","value":4}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":7,"operator":"less_than","value":3},{"event":"T","within_days":400,"operator":"greater_than","value":1},{"event":"T","operator":"between","value":[2,6]}]}""",
            """{"logic":"and","rules":[{"event":"T","operator":"in","value":[2,3,5]},{"event":"T","within_days":90,"operator":"less_than_or_equal","value":1},{"field":"country","operator":"not_equals","value":"USA"}]}""",
            """{"logic":"or","rules":[{"event":"T","operator":"greater_than","value":0},{"logic":"and","negate":true,"rules":[{"event":"T","within_days":120,"operator":"less_than","value":3},{"event":"T","operator":"equals","value":3}]}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":365,"operator":"greater_than","value":2},{"event":"T","within_days":30,"operator":"less_than","value":2},{"event":"U","operator":"greater_than","value":1}]}""",
        ];
        await AgreeOnShapesAsync(now, seed, shapes);
    }

    /// <summary>
    /// A "last event within N days" beside a count of the same events in a window, which the translator leaves
    /// out where the count implies it (Browse abandoners' shape), and beside counts that do not imply it: a
    /// longer window, a zero that passes, a shorter window of its own, a filter on the last event.
    /// </summary>
    [Theory]
    [InlineData("2026-02-28T15:30:00Z", 5)]
    [InlineData("2026-03-08T06:30:00Z", 6)]
    public async Task Agree_with_the_reference_evaluator_where_one_rule_implies_another(string now, int seed)
    {
        string[] shapes =
        [
            """{"logic":"and","rules":[{"event":"T","within_days":30,"operator":"greater_than","value":1},{"event":"T","aggregate":"last_at","operator":"within_days","value":30}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":20,"where":[{"property":"amount","operator":"greater_than","value":100}],"operator":"not_equals","value":0},{"event":"T","aggregate":"last_at","operator":"within_days","value":45},{"field":"country","operator":"not_equals","value":"USA"}]}""",
            """{"logic":"and","negate":true,"rules":[{"event":"T","within_days":10,"operator":"equals","value":2},{"event":"T","aggregate":"last_at","within_days":10,"operator":"within_days","value":400}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":60,"operator":"greater_than","value":0},{"event":"T","aggregate":"last_at","operator":"within_days","value":30}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":30,"operator":"less_than","value":2},{"event":"T","aggregate":"last_at","operator":"within_days","value":30}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":30,"operator":"greater_than","value":0},{"event":"T","aggregate":"last_at","within_days":20,"operator":"within_days","value":30}]}""",
            """{"logic":"and","rules":[{"event":"T","within_days":30,"operator":"greater_than","value":0},{"event":"T","aggregate":"last_at","where":[{"property":"amount","operator":"greater_than","value":100}],"operator":"within_days","value":30}]}""",
            """{"logic":"or","rules":[{"event":"T","within_days":5,"operator":"greater_than","value":0},{"event":"T","aggregate":"last_at","operator":"within_days","value":30}]}""",
        ];
        await AgreeOnShapesAsync(now, seed, shapes);
    }

    /// <summary>Each shape, for each event type of the edge tenant as T (and another as U), agrees with the reference, and most split the contacts.</summary>
    private async Task AgreeOnShapesAsync(string now, int seed, string[] shapes)
    {
        var (_, _, compare) = await ComparisonAsync(now, seed, TestContext.Current.CancellationToken);
        var trees = EdgeTenant.EventTypes
            .SelectMany(type => shapes.Select(shape => shape.Replace("\"T\"", $"\"{type}\"", StringComparison.Ordinal)
                .Replace("\"U\"", $"\"{EdgeTenant.EventTypes.First(other => other != type)}\"", StringComparison.Ordinal)))
            .Select(RuleJson.ParseDefinition)
            .ToList();

        var (mismatched, splitting, failures) = await compare(trees, $"seed {seed}");

        Assert.True(mismatched == 0, $"{mismatched} answers of {trees.Count} trees (each in three shapes) disagree with the reference:\n{failures}");
        Assert.True(splitting > trees.Count / 2, $"only {splitting} of {trees.Count} trees split the contacts");
    }

    private delegate Task<(int Mismatched, int Splitting, string Failures)> Compare(IEnumerable<RuleGroup> trees, string run);

    /// <summary>
    /// A tenant of edge cases at <paramref name="now"/>, and a comparison of trees on it: each tree validated, run
    /// as SQL in the translator's three shapes and by the reference evaluator; the mismatches (the first five
    /// described), and how many trees split the contacts.
    /// </summary>
    private async Task<(EdgeTenant Tenant, FieldCatalog Catalog, Compare Compare)> ComparisonAsync(string now, int seed, CancellationToken ct)
    {
        var anchor = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);
        var tenant = await EdgeTenant.CreateAsync(database, anchor, count: 1500, seed);
        await AnalyzeAsync(ct);
        var catalog = await ReadCatalogAsync(tenant, ct);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(EdgeTenant.ZoneId);
        var environment = new RuleEnvironment(catalog, zone, anchor);
        var reference = new ReferenceEvaluator(anchor, zone, EdgeTenant.CustomFields);
        var validator = new RuleValidator(new RuleValidationContext(
            catalog, tenant.Segments.ToDictionary(s => s, _ => (IReadOnlyList<Guid>)[]), null, new RuleLimits()));

        async Task<(int, int, string)> CompareAsync(IEnumerable<RuleGroup> trees, string run)
        {
            await using var db = database.CreateContext(tenant.TenantId);
            await db.Database.OpenConnectionAsync(ct);
            var failures = new StringBuilder();
            var (i, mismatched, splitting) = (0, 0, 0);
            foreach (var tree in trees)
            {
                var validation = validator.Validate(tree);
                Assert.True(validation.IsValid, $"an invalid tree #{i}: {validation} {RuleJson.Serialize(tree)}");

                var expected = tenant.Contacts.Where(c => reference.Matches(tree, c)).Select(c => c.Contact.Id).ToHashSet();
                splitting += expected.Count > 0 && expected.Count < tenant.Contacts.Count ? 1 : 0;
                var counted = RuleTranslator.MatchesForAll(tree, environment, db.Contacts, db.ContactEvents, db.ContactEventTotals);
                await using (var counting = db.Around(counted.Ids, counted.Counting))
                {
                    var count = (int)(await Named(counting.ExecuteScalarAsync(ct), $"tree #{i} ({run}, count): {RuleJson.Serialize(tree)}"))!;
                    if (count != expected.Count && ++mismatched <= 5)
                    {
                        failures.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"tree #{i} ({run}, count): {count} counted, {expected.Count} expected: {RuleJson.Serialize(tree)}");
                    }
                }

                foreach (var (shape, matches) in new[]
                         {
                             ("per contact", db.Contacts.Where(RuleTranslator.Translate(tree, environment)).Select(c => c.Id)),
                             ("over all", db.Contacts.Where(RuleTranslator.TranslateForAll(tree, environment, db.ContactEvents, db.ContactEventTotals)).Select(c => c.Id)),
                             ("counted", counted.Repeats ? counted.Ids.Distinct() : counted.Ids),
                         })
                {
                    var ids = await Named(matches.ToListAsync(ct), $"tree #{i} ({run}, {shape}): {RuleJson.Serialize(tree)}");
                    var sql = ids.ToHashSet();
                    if (sql.Count == ids.Count && sql.SetEquals(expected))
                    {
                        continue;
                    }

                    if (++mismatched <= 5)
                    {
                        failures.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"tree #{i} ({run}, {shape}, {ids.Count - sql.Count} ids twice): {RuleJson.Serialize(tree)}");
                        foreach (var contact in tenant.Contacts.Where(c => sql.Contains(c.Contact.Id) != expected.Contains(c.Contact.Id)).Take(5))
                        {
                            failures.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  {(expected.Contains(contact.Contact.Id) ? "missing from SQL" : "extra in SQL")}: {Describe(contact)}");
                        }
                    }
                }

                i++;
            }

            return (mismatched, splitting, failures.ToString());
        }

        return (tenant, catalog, CompareAsync);
    }

    /// <summary>
    /// Statistics for the tenant's rows before the first tree, as autovacuum gives a table in use: without them
    /// the planner's choice for a tree depended on whether autovacuum had passed yet, and a count of 1,500
    /// contacts could run past the command timeout.
    /// </summary>
    private async Task AnalyzeAsync(CancellationToken ct)
    {
        await using var owner = new Npgsql.NpgsqlConnection(database.OwnerConnectionString);
        await owner.OpenAsync(ct);
        await using var analyze = new Npgsql.NpgsqlCommand("ANALYZE contacts, contact_events, contact_event_totals, segment_members", owner);
        await analyze.ExecuteNonQueryAsync(ct);
    }

    private async Task<FieldCatalog> ReadCatalogAsync(EdgeTenant tenant, CancellationToken ct)
    {
        await using var db = database.CreateContext(tenant.TenantId);
        return new FieldCatalog(await db.FieldDefinitions.AsNoTracking().ToListAsync(ct));
    }

    /// <summary>The query's answer; when it fails (a plan past the statement timeout, say), an error that names the tree.</summary>
    private static async Task<T> Named<T>(Task<T> query, string tree)
    {
        try
        {
            return await query;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{tree} failed: {e.Message}", e);
        }
    }

    private static string Describe(ReferenceContact c) =>
        $"{c.Contact.Email} first={c.Contact.FirstName} country={c.Contact.Country} status={c.Contact.Status} birthday={c.Contact.Birthday} " +
        $"subscribed={c.Contact.SubscribedAt:o} created={c.Contact.CreatedAt:o} tags=[{string.Join(",", c.Contact.Tags)}] " +
        $"attributes={c.Contact.Attributes.RootElement.GetRawText()} events=[{string.Join("; ", c.Events.Select(e => $"{e.Type}@{e.OccurredAt:o} {e.Properties.RootElement.GetRawText()}"))}] " +
        $"lists=[{string.Join(",", c.Memberships.Select(m => $"{m.Key}@{m.Value:o}"))}]";
}
