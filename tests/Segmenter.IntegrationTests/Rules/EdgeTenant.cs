using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmenter.Core.Contacts;
using Segmenter.Core.Fields;
using Segmenter.Core.Segments;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Rules;

/// <summary>
/// A deterministic tenant of contacts full of edge values: missing, null, empty and wrongly typed
/// attributes, mixed case, % _ \ and accents, 29 February, instants minutes either side of local midnight
/// and of the N-day edges, contacts without events, events in the future, and three lists with members.
/// </summary>
public sealed class EdgeTenant
{
    public const string ZoneId = "America/New_York";

    public static readonly string[] Strings =
        ["Ann", "ann", "ANNE", "Zoë", "zoë", "ZOË", "50% off", "a_b", "back\\slash", "Éclair", "éclair", "Müller", "müller", "Ñandú", " spaced ", "x", "USA", "usa", "Norway", "100"];

    public static readonly decimal[] Numbers = [-5m, 0m, 1m, 2.5m, 10m, 99.99m, 100m, 1000m, 12345.678m];

    public static readonly string[] Tags = ["VIP", "vip", "Beta", "news_letter", "50%", "a\\b", "Éclair"];

    public static readonly string[] Choices = ["Alpha", "alpha", "BETA", "Gamma"];

    public static readonly string[] EventTypes = ["email_opened", "purchase", "page_view"];

    public static readonly string[] Categories = ["Shoes", "shoes", "SHOES", "50%_sale", "Éclair", "books"];

    public static readonly Dictionary<string, string> CustomFields = new()
    {
        ["t_text"] = FieldType.Text,
        ["t_choice"] = FieldType.Choice,
        ["n_num"] = FieldType.Number,
        ["d_date"] = FieldType.Date,
        ["dt_time"] = FieldType.DateTime,
        ["b_flag"] = FieldType.Boolean,
    };

    private EdgeTenant(Guid tenantId, DateTimeOffset anchor, List<ReferenceContact> contacts, List<Guid> segments, List<DateOnly> dates, List<DateTimeOffset> instants)
    {
        TenantId = tenantId;
        Anchor = anchor;
        Contacts = contacts;
        Segments = segments;
        Dates = dates;
        Instants = instants;
    }

    public Guid TenantId { get; }

    /// <summary>The instant the edges cluster around; the differential test evaluates at it and near it.</summary>
    public DateTimeOffset Anchor { get; }

    public IReadOnlyList<ReferenceContact> Contacts { get; }

    public IReadOnlyList<Guid> Segments { get; }

    /// <summary>Dates the data uses, for rule values that hit it.</summary>
    public IReadOnlyList<DateOnly> Dates { get; }

    public IReadOnlyList<DateTimeOffset> Instants { get; }

    public static async Task<EdgeTenant> CreateAsync(DatabaseFixture database, DateTimeOffset anchor, int count, int seed)
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(seed);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(ZoneId);
        var tenant = await database.NewTenantAsync(ZoneId);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(anchor, zone).DateTime);

        List<DateOnly> dates =
        [
            today, today.AddDays(-1), today.AddDays(1), today.AddDays(-7), today.AddDays(-8), today.AddDays(7), today.AddDays(-30),
            new(2000, 2, 29), new(2004, 2, 29), new(1990, 2, 28), new(1985, 3, 1), new(1999, 12, 31), new(2001, 1, 1),
            new(today.Year - 30, today.Month, today.Day), new(1970, 6, 15),
        ];
        var localMidnight = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), zone.GetUtcOffset(today.ToDateTime(TimeOnly.MinValue)));
        List<DateTimeOffset> instants =
        [
            anchor, anchor.AddMinutes(-1), anchor.AddMinutes(1), anchor.AddDays(-7), anchor.AddDays(-7).AddSeconds(-1), anchor.AddDays(-7).AddSeconds(1),
            anchor.AddDays(-30), anchor.AddDays(-30).AddMinutes(1), anchor.AddDays(3), anchor.AddDays(400),
            localMidnight, localMidnight.AddMinutes(-1), localMidnight.AddMinutes(1), localMidnight.AddDays(1).AddMinutes(-1), localMidnight.AddDays(1),
            localMidnight.AddYears(-3), localMidnight.AddYears(-1).AddHours(12), new DateTimeOffset(2024, 2, 29, 15, 0, 0, TimeSpan.Zero),
        ];
        instants = instants.Select(i => i.ToUniversalTime()).ToList();

        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
        string? MaybeString() => random.Next(6) switch { 0 => null, 1 => "", _ => Pick(Strings) };
        DateTimeOffset AnyInstant() => random.Next(3) == 0 ? anchor.AddSeconds(-random.Next(0, 3 * 365 * 86400)) : Pick(instants);

        await using var db = database.CreateContext(tenant.Id);
        db.FieldDefinitions.AddRange(CustomFields.Select(f => new FieldDefinition
        {
            TenantId = tenant.Id, Key = f.Key, Label = f.Key, Type = f.Value, Options = f.Value == FieldType.Choice ? ["Alpha", "Beta", "Gamma"] : [],
        }));
        var segments = Enumerable.Range(1, 3).Select(i => new Segment { TenantId = tenant.Id, Name = $"List {i}", Type = SegmentType.Static }).ToList();
        db.Segments.AddRange(segments);

        var contacts = new List<ReferenceContact>();
        for (var i = 0; i < count; i++)
        {
            var contact = new Contact
            {
                TenantId = tenant.Id,
                Email = $"{Pick(Strings).Trim().Replace(" ", "", StringComparison.Ordinal)}.{i}@{Pick(["Example.COM", "example.com", "test%_.org"])}",
                FirstName = MaybeString(),
                LastName = MaybeString(),
                Phone = random.Next(3) == 0 ? null : $"+1 555 {i:0000}",
                Status = Pick(ContactStatus.All),
                Country = MaybeString(),
                City = MaybeString(),
                TimeZone = random.Next(4) == 0 ? null : Pick(["America/New_York", "europe/oslo", "UTC"]),
                Birthday = random.Next(4) == 0 ? null : Pick(dates),
                SubscribedAt = random.Next(4) == 0 ? null : AnyInstant(),
                CreatedAt = AnyInstant(),
                UpdatedAt = AnyInstant(),
                Tags = Tags.Where(_ => random.Next(4) == 0).ToList(),
                Attributes = Attributes(random, dates, instants),
            };
            var events = new List<ContactEvent>();
            var eventCount = random.Next(4) == 0 ? 0 : random.Next(1, 9);
            for (var n = 0; n < eventCount; n++)
            {
                var properties = new JsonObject();
                if (random.Next(5) != 0)
                {
                    properties["amount"] = random.Next(8) == 0 ? JsonValue.Create("12") : JsonValue.Create(Pick(Numbers));
                }

                if (random.Next(4) != 0)
                {
                    properties["category"] = Pick(Categories);
                }

                events.Add(new ContactEvent
                {
                    TenantId = tenant.Id,
                    ContactId = contact.Id,
                    Type = Pick(EventTypes),
                    OccurredAt = random.Next(3) == 0 ? Pick(instants) : anchor.AddSeconds(-random.Next(0, 400 * 86400)),
                    Properties = JsonSerializer.SerializeToDocument(properties),
                });
            }

            var memberships = new Dictionary<Guid, DateTimeOffset>();
            foreach (var segment in segments.Where(_ => random.Next(3) == 0))
            {
                var entered = random.Next(2) == 0 ? Pick(instants) : anchor.AddSeconds(-random.Next(0, 60 * 86400));
                memberships[segment.Id] = entered;
                db.SegmentMembers.Add(new SegmentMember { TenantId = tenant.Id, SegmentId = segment.Id, ContactId = contact.Id, EnteredAt = entered });
            }

            db.Contacts.Add(contact);
            db.ContactEvents.AddRange(events);
            contacts.Add(new ReferenceContact(contact, events, memberships));
        }

        await db.SaveChangesAsync(ct);
        return new EdgeTenant(tenant.Id, anchor, contacts, segments.Select(s => s.Id).ToList(), dates, instants);
    }

    private static JsonDocument Attributes(Random random, List<DateOnly> dates, List<DateTimeOffset> instants)
    {
        var json = new JsonObject();
        foreach (var (key, type) in CustomFields)
        {
            switch (random.Next(10))
            {
                case 0 or 1:
                    continue;
                case 2:
                    json[key] = null;
                    continue;
                case 3:
                    // A value of the wrong JSON type: empty for typed fields, its text for text fields.
                    json[key] = type switch
                    {
                        FieldType.Number => JsonValue.Create("100"),
                        FieldType.Date => JsonValue.Create(20260228),
                        FieldType.DateTime => JsonValue.Create(true),
                        FieldType.Boolean => JsonValue.Create("true"),
                        _ => JsonValue.Create(42),
                    };
                    continue;
            }

            json[key] = type switch
            {
                FieldType.Text => JsonValue.Create(random.Next(8) == 0 ? "" : Strings[random.Next(Strings.Length)]),
                FieldType.Choice => JsonValue.Create(Choices[random.Next(Choices.Length)]),
                FieldType.Number => JsonValue.Create(Numbers[random.Next(Numbers.Length)]),
                FieldType.Date => JsonValue.Create(dates[random.Next(dates.Count)].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                FieldType.DateTime => JsonValue.Create(instants[random.Next(instants.Count)].ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                _ => JsonValue.Create(random.Next(2) == 0),
            };
        }

        return JsonSerializer.SerializeToDocument(json);
    }
}
