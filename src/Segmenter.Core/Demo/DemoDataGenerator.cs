using System.Text.Json;
using Bogus;
using Segmenter.Core.Contacts;
using Segmenter.Core.Fields;

namespace Segmenter.Core.Demo;

/// <summary>
/// Deterministic demo contacts with custom attributes and a year of engagement: the same seed gives the
/// same data relative to <c>now</c>. Attributes agree with events (lifetime_value is the sum of purchases,
/// last_purchase_date the day of the latest one), so segments over either tell the same story.
/// </summary>
public sealed class DemoDataGenerator(int seed, DateTimeOffset now)
{
    private static readonly string[] Plans = ["Free", "Starter", "Pro", "Enterprise"];
    private static readonly string[] Industries = ["Software", "Retail", "Healthcare", "Finance", "Education", "Manufacturing", "Media"];
    private static readonly string[] Interests = ["Software", "Marketing", "Analytics", "Hardware"];
    private static readonly string[] Tiers = ["Bronze", "Silver", "Gold", "Platinum"];
    private static readonly string[] Categories = ["shoes", "apparel", "accessories", "electronics", "books"];
    private static readonly string[] Pages = ["/", "/pricing", "/features", "/blog", "/docs", "/checkout", "/cart"];
    private static readonly string[] UsStates = ["CA", "NY", "TX", "FL", "WA", "IL", "MA", "CO"];

    private static readonly (string Country, string TimeZone, float Weight)[] Countries =
    [
        ("USA", "America/New_York", 0.40f), ("Canada", "America/Toronto", 0.10f),
        ("United Kingdom", "Europe/London", 0.12f), ("Germany", "Europe/Berlin", 0.08f),
        ("France", "Europe/Paris", 0.06f), ("Australia", "Australia/Sydney", 0.06f),
        ("Norway", "Europe/Oslo", 0.04f), ("Brazil", "America/Sao_Paulo", 0.05f),
        ("India", "Asia/Kolkata", 0.05f), ("Japan", "Asia/Tokyo", 0.04f),
    ];

    private static readonly (string Tag, float Chance)[] TagChances =
    [
        ("newsletter", 0.45f), ("vip", 0.06f), ("webinar", 0.15f), ("beta-tester", 0.05f), ("partner", 0.03f),
    ];

    public static IReadOnlyList<FieldDefinition> FieldDefinitions(Guid tenantId) =>
    [
        Field(tenantId, "plan_type", "Plan type", FieldType.Choice, Plans),
        Field(tenantId, "lifetime_value", "Lifetime value", FieldType.Number),
        Field(tenantId, "company_size", "Company size", FieldType.Number),
        Field(tenantId, "job_title", "Job title", FieldType.Text),
        Field(tenantId, "last_purchase_date", "Last purchase date", FieldType.Date),
        Field(tenantId, "industry", "Industry", FieldType.Choice, Industries),
        Field(tenantId, "product_interest", "Product interest", FieldType.Choice, Interests),
        Field(tenantId, "customer_tier", "Customer tier", FieldType.Choice, Tiers),
        Field(tenantId, "state", "State", FieldType.Text),
        Field(tenantId, "newsletter_opt_in", "Newsletter opt-in", FieldType.Boolean),
        Field(tenantId, "trial_ends_at", "Trial ends at", FieldType.DateTime),
        Field(tenantId, "last_activity", "Last activity", FieldType.DateTime),
    ];

    public IEnumerable<(Contact Contact, List<ContactEvent> Events)> Generate(Guid tenantId, int count)
    {
        var faker = new Faker("en") { Random = new Randomizer(seed) };
        var today = now.UtcDateTime.Date;
        for (var i = 0; i < count; i++)
        {
            var first = faker.Name.FirstName();
            var last = faker.Name.LastName();
            var (country, timeZone, _) = faker.Random.WeightedRandom(Countries, Countries.Select(c => c.Weight).ToArray());
            var state = country == "USA" ? faker.PickRandom(UsStates) : null;
            if (state is "CA" or "WA")
            {
                timeZone = "America/Los_Angeles";
            }

            var createdAt = now.AddDays(-faker.Random.Double(0, 3 * 365));
            var status = faker.Random.WeightedRandom(
                [ContactStatus.Subscribed, ContactStatus.Unsubscribed, ContactStatus.Bounced, ContactStatus.Pending],
                [0.75f, 0.12f, 0.05f, 0.08f]);
            var domain = faker.Random.Bool(0.03f) ? "company.com" : faker.Internet.DomainName();
            var contact = new Contact
            {
                TenantId = tenantId,
                Id = Guid.CreateVersion7(createdAt),
                Email = $"{Slug(first)}.{Slug(last)}.{i}@{domain}",
                FirstName = first,
                LastName = last,
                Phone = faker.Random.Bool(0.7f) ? faker.Phone.PhoneNumber("+1 ###-###-####") : null,
                Status = status,
                Country = faker.Random.Bool(0.95f) ? country : null,
                City = faker.Address.City(),
                TimeZone = timeZone,
                Birthday = faker.Random.Bool(0.85f) ? DateOnly.FromDateTime(faker.Date.Between(new DateTime(1950, 1, 1), new DateTime(2006, 12, 31))) : null,
                SubscribedAt = status == ContactStatus.Pending ? null : createdAt.AddMinutes(faker.Random.Int(0, 120)),
                CreatedAt = createdAt,
                UpdatedAt = createdAt,
                Tags = TagChances.Where(t => faker.Random.Bool(t.Chance)).Select(t => t.Tag).ToList(),
            };

            var plan = faker.Random.WeightedRandom(Plans, [0.45f, 0.25f, 0.22f, 0.08f]);
            var events = Engagement(faker, contact, plan);
            var purchases = events.Where(e => e.Type == "purchase").ToList();
            var lifetimeValue = purchases.Sum(e => e.Properties.RootElement.GetProperty("amount").GetDecimal());
            contact.Attributes = AttributeValues.ToDocument(new Dictionary<string, (string, object?)>
            {
                ["plan_type"] = (FieldType.Choice, plan),
                ["lifetime_value"] = (FieldType.Number, lifetimeValue),
                ["company_size"] = (FieldType.Number, faker.Random.Bool(0.8f) ? faker.Random.WeightedRandom([5, 25, 120, 600, 4000], [0.3f, 0.3f, 0.2f, 0.15f, 0.05f]) : null),
                ["job_title"] = (FieldType.Text, faker.Random.Bool(0.9f) ? faker.Name.JobTitle() : null),
                ["last_purchase_date"] = (FieldType.Date, purchases.Count > 0 ? DateOnly.FromDateTime(purchases.Max(e => e.OccurredAt).UtcDateTime) : null),
                ["industry"] = (FieldType.Choice, faker.PickRandom(Industries)),
                ["product_interest"] = (FieldType.Choice, faker.Random.Bool(0.7f) ? faker.PickRandom(Interests) : null),
                ["customer_tier"] = (FieldType.Choice, lifetimeValue switch { > 1500 => "Platinum", > 700 => "Gold", > 200 => "Silver", _ => "Bronze" }),
                ["state"] = (FieldType.Text, state),
                ["newsletter_opt_in"] = (FieldType.Boolean, contact.Tags.Contains("newsletter") || faker.Random.Bool(0.2f)),
                ["trial_ends_at"] = (FieldType.DateTime, plan == "Free" && faker.Random.Bool(0.3f) ? new DateTimeOffset(today, TimeSpan.Zero).AddDays(faker.Random.Int(-30, 30)).AddHours(faker.Random.Int(0, 23)) : null),
                ["last_activity"] = (FieldType.DateTime, events.Count > 0 ? events.Max(e => e.OccurredAt) : null),
            });
            yield return (contact, events);
        }
    }

    private List<ContactEvent> Engagement(Faker faker, Contact contact, string plan)
    {
        var from = contact.CreatedAt > now.AddDays(-365) ? contact.CreatedAt : now.AddDays(-365);
        var span = (now - from).TotalSeconds;
        // Engagement is skewed: most contacts do little, a few do a lot.
        var level = Math.Pow(faker.Random.Double(), 2);
        var events = new List<ContactEvent>();

        void Add(string type, int times, Func<JsonDocument>? properties = null)
        {
            for (var n = 0; n < times; n++)
            {
                var at = from.AddSeconds(faker.Random.Double(0, span));
                events.Add(new ContactEvent
                {
                    TenantId = contact.TenantId,
                    Id = Guid.CreateVersion7(at),
                    ContactId = contact.Id,
                    Type = type,
                    OccurredAt = at,
                    Properties = properties?.Invoke() ?? JsonDocument.Parse("{}"),
                });
            }
        }

        var opens = contact.Status == ContactStatus.Pending ? 0 : (int)Math.Round(level * faker.Random.Int(0, 60));
        Add("email_opened", opens, () => JsonDocument.Parse($$"""{"campaign":"{{faker.Random.Int(1, 40)}}"}"""));
        Add("email_clicked", (int)Math.Round(opens * faker.Random.Double(0, 0.35)), () => JsonDocument.Parse($$"""{"url":"https://shop.example{{faker.PickRandom(Pages)}}"}"""));
        Add("page_view", (int)Math.Round(level * faker.Random.Int(0, 80)), () => JsonDocument.Parse($$"""{"path":"{{faker.PickRandom(Pages)}}"}"""));
        Add("added_to_cart", (int)Math.Round(level * faker.Random.Int(0, 6)), () => JsonSerializer.SerializeToDocument(new
        {
            value = Math.Round(faker.Random.Decimal(5, 200), 2),
            category = faker.PickRandom(Categories),
        }));
        var purchases = plan == "Free" && faker.Random.Bool(0.6f) ? 0 : (int)Math.Round(level * faker.Random.Int(0, 8));
        Add("purchase", purchases, () => JsonSerializer.SerializeToDocument(new
        {
            amount = Math.Round(faker.Random.Decimal(5, 400), 2),
            category = faker.PickRandom(Categories),
        }));
        return events;
    }

    private static FieldDefinition Field(Guid tenantId, string key, string label, string type, string[]? options = null) =>
        new() { TenantId = tenantId, Key = key, Label = label, Type = type, Options = options?.ToList() ?? [] };

    private static string Slug(string name) =>
        new(name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
}
