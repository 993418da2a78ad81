using System.Text.Json;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.IntegrationTests.Infrastructure;
using Segmenter.IntegrationTests.Rules;

namespace Segmenter.IntegrationTests.Membership;

public sealed class RefreshShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Anchor = DateTimeOffset.Parse("2026-02-28T15:30:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Match_the_reference_evaluator_before_and_after_contacts_change()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await EdgeTenant.CreateAsync(database, Anchor, count: 600, seed: 11);
        await using var host = MembershipHost.Create(database, Anchor);
        await using var scope = host.For(tenant.TenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(EdgeTenant.ZoneId);
        var generator = new RuleTreeGenerator(4242, tenant, new FieldCatalog(await db.FieldDefinitions.AsNoTracking().ToListAsync(ct)));
        var contacts = tenant.Contacts.ToList();

        var segments = new List<(Segment Segment, RuleGroup Tree)>();
        var before = new ReferenceEvaluator(Anchor, zone, EdgeTenant.CustomFields);
        while (segments.Count < 8)
        {
            var tree = generator.Next();
            var expected = Expected(before, tree, contacts);
            if (expected.Count == 0 || expected.Count == contacts.Count)
            {
                continue;
            }

            var created = await scope.ServiceProvider.GetRequiredService<CreateSegment>()
                .HandleAsync(new CreateSegmentRequest($"Generated {segments.Count}", null, SegmentType.Dynamic, tree), null, ct);
            Assert.Equal(expected, await host.MembersAsync(tenant.TenantId, created.Id));
            Assert.Equal(expected.Count, created.MemberCount);
            segments.Add((created, tree));
        }

        // The real-time path (the same rules, one scoped statement per segment) over every contact after a change.
        var engine = scope.ServiceProvider.GetRequiredService<MembershipEngine>();
        contacts = await ChangeContactsAsync(tenant.TenantId, contacts, seed: 12);
        host.Clock.Now = Anchor.AddHours(2);
        var scoped = new ReferenceEvaluator(host.Clock.Now, zone, EdgeTenant.CustomFields);
        await engine.ReevaluateContactsAsync(contacts.Select(c => c.Contact.Id).ToList(), ct);
        foreach (var (segment, tree) in segments)
        {
            Assert.Equal(Expected(scoped, tree, contacts), await host.MembersAsync(tenant.TenantId, segment.Id));
        }

        contacts = await ChangeContactsAsync(tenant.TenantId, contacts, seed: 13);
        // Past local midnight in New York: 28 February becomes 1 March, so date rules move too.
        host.Clock.Now = Anchor.AddHours(15);
        var after = new ReferenceEvaluator(host.Clock.Now, zone, EdgeTenant.CustomFields);
        var (entries, exits) = (0, 0);
        foreach (var (segment, tree) in segments)
        {
            var old = await host.MembersAsync(tenant.TenantId, segment.Id);
            var expected = Expected(after, tree, contacts);

            var result = await engine.RefreshAsync(segment.Id, ct);

            Assert.Equal(expected, await host.MembersAsync(tenant.TenantId, segment.Id));
            Assert.Equal(new RefreshResult(expected.Count, expected.Except(old).Count(), old.Except(expected).Count(), result.DurationMs, host.Clock.Now), result);
            var logged = await db.SegmentMembershipChanges.AsNoTracking()
                .Where(c => c.SegmentId == segment.Id && c.At == host.Clock.Now).ToListAsync(ct);
            Assert.Equal(expected.Except(old).ToHashSet(), logged.Where(c => c.Kind == SegmentMembershipChange.Entered).Select(c => c.ContactId).ToHashSet());
            Assert.Equal(old.Except(expected).ToHashSet(), logged.Where(c => c.Kind == SegmentMembershipChange.Exited).Select(c => c.ContactId).ToHashSet());
            var stored = await db.Segments.AsNoTracking().SingleAsync(s => s.Id == segment.Id, ct);
            Assert.Equal((expected.Count, host.Clock.Now, (string?)null), (stored.MemberCount, stored.LastEvaluatedAt!.Value, stored.LastError));
            (entries, exits) = (entries + result.Entered, exits + result.Exited);
        }

        Assert.True(entries > 0 && exits > 0, $"the changes moved nobody ({entries} entries, {exits} exits): the test proves nothing");
    }

    [Fact]
    public async Task Write_no_member_rows_when_nothing_changed()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Anchor);
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 50).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Country = i % 2 == 0 ? "Norway" : "Chile",
        }));
        await using var scope = host.For(tenant.Id);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var engine = scope.ServiceProvider.GetRequiredService<MembershipEngine>();
        var segment = await CreateDynamicAsync(scope, "Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"norway"}]}""");
        Assert.Equal(25, segment.MemberCount);

        host.Clock.Now = Anchor.AddMinutes(5);
        var (unchanged, unchangedWrites) = await RefreshCountingWritesAsync(db, engine, segment.Id);
        Assert.Equal((25, 0, 0), (unchanged.MemberCount, unchanged.Entered, unchanged.Exited));
        Assert.Equal((0L, 0L, 0L), unchangedWrites);

        // The control: the same measurement sees one exit when one contact leaves.
        await db.Contacts.Where(c => c.Id == contacts[0].Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Country, "Chile"), ct);
        host.Clock.Now = Anchor.AddMinutes(10);
        var (changed, changedWrites) = await RefreshCountingWritesAsync(db, engine, segment.Id);
        Assert.Equal((24, 0, 1), (changed.MemberCount, changed.Entered, changed.Exited));
        Assert.Equal((0L, 1L, 1L), changedWrites);
        Assert.Equal(
            [(25, 25, 0), (25, 0, 0), (24, 0, 1)],
            await db.SegmentSizeHistory.Where(h => h.SegmentId == segment.Id).OrderBy(h => h.At).Select(h => new ValueTuple<int, int, int>(h.MemberCount, h.Entered, h.Exited)).ToListAsync(ct));
    }

    [Fact]
    public async Task Leave_static_segments_as_they_were_made()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Anchor);
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 10).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Country = i < 4 ? "Norway" : "Chile",
        }));
        await using var scope = host.For(tenant.Id);
        var definition = RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""");
        var create = scope.ServiceProvider.GetRequiredService<CreateSegment>();
        var snapshot = await create.HandleAsync(new CreateSegmentRequest("Norway then", null, SegmentType.Static, definition), null, ct);
        var mixed = await create.HandleAsync(new CreateSegmentRequest("Norway then and two more", null, SegmentType.Static, definition, [contacts[8].Id, contacts[9].Id, contacts[0].Id]), null, ct);
        var manual = await create.HandleAsync(new CreateSegmentRequest("Hand picked", null, SegmentType.Static, null, [contacts[5].Id]), null, ct);
        var snapshotMembers = contacts.Take(4).Select(c => c.Id).ToHashSet();
        Assert.Equal((4, 6, 1), (snapshot.MemberCount, mixed.MemberCount, manual.MemberCount));

        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        await db.Contacts.ExecuteUpdateAsync(s => s.SetProperty(c => c.Country, c => c.Country == "Norway" ? "Chile" : "Norway"), ct);
        var engine = scope.ServiceProvider.GetRequiredService<MembershipEngine>();
        await Assert.ThrowsAsync<ConflictException>(() => engine.RefreshAsync(snapshot.Id, ct));
        await engine.ReevaluateContactsAsync(contacts.Select(c => c.Id).ToList(), ct);
        var job = host.Services.GetRequiredService<RefreshJob>();
        foreach (var segment in new[] { snapshot, mixed, manual })
        {
            await job.RunAsync(tenant.Id, segment.Id, ct);
        }

        Assert.Equal(snapshotMembers, await host.MembersAsync(tenant.Id, snapshot.Id));
        Assert.Equal(snapshotMembers.Append(contacts[8].Id).Append(contacts[9].Id).ToHashSet(), await host.MembersAsync(tenant.Id, mixed.Id));
        Assert.Equal([contacts[5].Id], await host.MembersAsync(tenant.Id, manual.Id));
    }

    [Fact]
    public async Task Edit_lists_by_hand_and_refuse_to_edit_dynamic_segments()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        var other = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Anchor);
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 5).Select(i => new Contact { TenantId = tenant.Id, Email = $"c{i}@example.test" }));
        var stranger = (await host.AddContactsAsync(other.Id, [new Contact { TenantId = other.Id, Email = "s@example.test" }]))[0];
        await using var scope = host.For(tenant.Id);
        var list = await scope.ServiceProvider.GetRequiredService<CreateSegment>().HandleAsync(new CreateSegmentRequest("List", null, SegmentType.Static), null, ct);
        var lists = scope.ServiceProvider.GetRequiredService<ListMembers>();

        Assert.Equal(3, await lists.AddByHandAsync(list.Id, [contacts[0].Id, contacts[1].Id, contacts[2].Id, contacts[0].Id], ct));
        Assert.Equal(3, await lists.AddByHandAsync(list.Id, [contacts[1].Id], ct));
        Assert.Equal(2, await lists.RemoveByHandAsync(list.Id, [contacts[1].Id, contacts[4].Id], ct));
        var invalid = await Assert.ThrowsAsync<ValidationException>(() => lists.AddByHandAsync(list.Id, [contacts[3].Id, stranger.Id], ct));
        Assert.Equal(["contact_ids[1]"], invalid.Errors.Select(e => e.PropertyName));
        Assert.Equal([contacts[0].Id, contacts[2].Id], await host.MembersAsync(tenant.Id, list.Id));

        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var log = await db.SegmentMembershipChanges.Where(c => c.SegmentId == list.Id).Select(c => c.Kind + " " + c.ContactId).ToListAsync(ct);
        Assert.Equal(
            new[] { $"entered {contacts[0].Id}", $"entered {contacts[1].Id}", $"entered {contacts[2].Id}", $"exited {contacts[1].Id}" }.Order(),
            log.Order());

        var dynamic = await CreateDynamicAsync(scope, "Everyone", """{"logic":"and","rules":[{"field":"email","operator":"is_not_empty"}]}""");
        await Assert.ThrowsAsync<ConflictException>(() => lists.AddByHandAsync(dynamic.Id, [contacts[3].Id], ct));
        await Assert.ThrowsAsync<NotFoundException>(() => lists.AddByHandAsync(Guid.CreateVersion7(), [contacts[3].Id], ct));
    }

    [Fact]
    public async Task Freeze_a_dynamic_segment_into_a_list_with_its_members()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Anchor);
        await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 12).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Tags = i % 3 == 0 ? ["VIP"] : [],
        }));
        await using var scope = host.For(tenant.Id);
        var vip = await CreateDynamicAsync(scope, "VIP", """{"logic":"and","rules":[{"field":"tags","operator":"contains","value":"vip"}]}""");

        var frozen = await scope.ServiceProvider.GetRequiredService<FreezeSegment>().HandleAsync(vip.Id, "VIP on 28 February", null, ct);

        Assert.Equal((SegmentType.Static, 4), (frozen.Type, frozen.MemberCount));
        Assert.Equal(await host.MembersAsync(tenant.Id, vip.Id), await host.MembersAsync(tenant.Id, frozen.Id));
        Assert.Equal(vip.Definition!.RootElement.GetRawText(), frozen.Definition!.RootElement.GetRawText());
    }

    [Fact]
    public async Task Record_a_failure_on_the_segment_and_keep_its_members()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Anchor);
        await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 6).Select(i => new Contact { TenantId = tenant.Id, Email = $"c{i}@example.test", City = "Oslo" }));
        await using var scope = host.For(tenant.Id);
        var segment = await CreateDynamicAsync(scope, "Oslo", """{"logic":"and","rules":[{"field":"city","operator":"equals","value":"Oslo"}]}""");
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var broken = JsonDocument.Parse("""{"logic":"and","rules":[{"field":"city","operator":"equals","value":"Oslo"},{"field":"plan","operator":"equals","value":"Pro"}]}""");
        await db.Segments.Where(s => s.Id == segment.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Definition, broken), ct);

        await Assert.ThrowsAsync<ValidationException>(() => scope.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segment.Id, ct));

        var stored = await db.Segments.AsNoTracking().SingleAsync(s => s.Id == segment.Id, ct);
        Assert.Contains("rules[1].field", stored.LastError, StringComparison.Ordinal);
        Assert.Equal(6, (await host.MembersAsync(tenant.Id, segment.Id)).Count);
        // The job gives up on a definition no retry can mend, and leaves the record for the marketer.
        await host.Services.GetRequiredService<RefreshJob>().RunAsync(tenant.Id, segment.Id, ct);
        Assert.NotNull((await db.Segments.AsNoTracking().SingleAsync(s => s.Id == segment.Id, ct)).LastError);
    }

    [Fact]
    public async Task Pass_a_list_edit_and_a_refresh_on_to_the_segments_that_read_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Anchor);
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 6).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Country = i < 2 ? "Norway" : "Chile",
        }));
        await using var scope = host.For(tenant.Id);
        var list = await scope.ServiceProvider.GetRequiredService<CreateSegment>().HandleAsync(new CreateSegmentRequest("Webinar", null, SegmentType.Static), null, ct);
        var attendees = await CreateDynamicAsync(scope, "Attendees", $$"""{"logic":"and","rules":[{"segment":"{{list.Id}}","operator":"in"}]}""");
        var norwegianAttendees = await CreateDynamicAsync(scope, "Norwegian attendees",
            $$"""{"logic":"and","rules":[{"segment":"{{attendees.Id}}","operator":"in"},{"field":"country","operator":"equals","value":"Norway"}]}""");
        var norway = await CreateDynamicAsync(scope, "Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""");
        var notNorway = await CreateDynamicAsync(scope, "Not Norway", $$"""{"logic":"and","rules":[{"segment":"{{norway.Id}}","operator":"not_in"}]}""");

        await scope.ServiceProvider.GetRequiredService<ListMembers>().AddAsync(list.Id, [contacts[0].Id, contacts[3].Id], ct);
        Assert.Equal([contacts[0].Id, contacts[3].Id], await host.MembersAsync(tenant.Id, attendees.Id));
        Assert.Equal([contacts[0].Id], await host.MembersAsync(tenant.Id, norwegianAttendees.Id));

        await using (var db = database.CreateContext(tenant.Id))
        {
            await db.Contacts.Where(c => c.Id == contacts[4].Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Country, "Norway"), ct);
        }

        host.Clock.Now = Anchor.AddMinutes(1);
        await scope.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(norway.Id, ct);
        Assert.Equal([contacts[2].Id, contacts[3].Id, contacts[5].Id], await host.MembersAsync(tenant.Id, notNorway.Id));
    }

    internal static async Task<Segment> CreateDynamicAsync(AsyncServiceScope scope, string name, string definition) =>
        await scope.ServiceProvider.GetRequiredService<CreateSegment>().HandleAsync(
            new CreateSegmentRequest(name, null, SegmentType.Dynamic, RuleJson.ParseDefinition(definition)), null, TestContext.Current.CancellationToken);

    /// <summary>
    /// Refreshes inside a transaction of the test's own and reads PostgreSQL's count of the rows it wrote
    /// (a difference, because the session's counters may still hold earlier transactions' unflushed rows).
    /// </summary>
    private static async Task<(RefreshResult Result, (long Inserted, long Deleted, long Changes) Writes)> RefreshCountingWritesAsync(
        SegmenterDbContext db, MembershipEngine engine, Guid segmentId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var before = await WritesAsync(db);
        var result = await engine.RefreshAsync(segmentId, ct);
        var after = await WritesAsync(db);
        await transaction.CommitAsync(ct);
        return (result, (after.Inserted - before.Inserted, after.Deleted - before.Deleted, after.Changes - before.Changes));
    }

    private static async Task<WriteCounts> WritesAsync(SegmenterDbContext db) =>
        await db.Database.SqlQuery<WriteCounts>($"""
            SELECT pg_stat_get_xact_tuples_inserted('segment_members'::regclass) AS inserted,
                   pg_stat_get_xact_tuples_deleted('segment_members'::regclass) AS deleted,
                   pg_stat_get_xact_tuples_inserted('segment_membership_changes'::regclass) AS changes
            """).SingleAsync(TestContext.Current.CancellationToken);

    private static HashSet<Guid> Expected(ReferenceEvaluator reference, RuleGroup tree, IEnumerable<ReferenceContact> contacts) =>
        contacts.Where(c => reference.Matches(tree, c)).Select(c => c.Contact.Id).ToHashSet();

    /// <summary>Moves a fifth of the contacts to another country and status and gives a fifth a new purchase, in the database and in memory alike.</summary>
    private async Task<List<ReferenceContact>> ChangeContactsAsync(Guid tenantId, List<ReferenceContact> contacts, int seed)
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(seed);
        await using var db = database.CreateContext(tenantId);
        var changed = new List<ReferenceContact>();
        foreach (var reference in contacts)
        {
            var contact = reference.Contact;
            var events = reference.Events;
            if (random.Next(5) == 0)
            {
                var (country, status) = (random.Next(4) == 0 ? null : EdgeTenant.Strings[random.Next(EdgeTenant.Strings.Length)], ContactStatus.All[random.Next(ContactStatus.All.Count)]);
                await db.Contacts.Where(c => c.Id == contact.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Country, country).SetProperty(c => c.Status, status), ct);
                (contact.Country, contact.Status) = (country, status);
            }

            if (random.Next(5) == 0)
            {
                var purchase = new ContactEvent
                {
                    TenantId = tenantId, ContactId = contact.Id, Type = "purchase", OccurredAt = Anchor.AddHours(-2),
                    Properties = JsonDocument.Parse("""{"amount": 50, "category": "Shoes"}"""),
                };
                db.ContactEvents.Add(purchase);
                events = [.. events, purchase];
            }

            changed.Add(reference with { Events = events });
        }

        await db.SaveChangesAsync(ct);
        return changed;
    }

    private sealed record WriteCounts(long Inserted, long Deleted, long Changes);
}
