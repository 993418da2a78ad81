using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Segmenter.Core.Demo;

namespace Segmenter.Bench;

/// <summary>
/// A tenant's contacts and events at benchmark scale, written by binary COPY as the schema's owner. The same
/// seed and <c>now</c> give the same rows, ids included: contact i draws from a generator seeded by (seed, i),
/// a distinct seed for each contact, so the contacts pass and the events pass generate the same contact. The contacts carry the demo tenant's
/// custom attributes (<see cref="DemoDataGenerator.FieldDefinitions"/>, which the templates read), consistent
/// with their events (lifetime_value is the sum of purchases, last_activity the latest event). Engagement is
/// skewed as in life: most contacts do little and a few do a lot, over the last year.
/// </summary>
internal sealed class BenchData(int seed, DateTimeOffset now, double eventsPerContact)
{
    private static readonly string[] Plans = ["Free", "Starter", "Pro", "Enterprise"];
    private static readonly string[] Industries = ["Software", "Retail", "Healthcare", "Finance", "Education", "Manufacturing", "Media"];
    private static readonly string[] Interests = ["Software", "Marketing", "Analytics", "Hardware"];
    private static readonly string[] Titles = ["Software Developer", "Marketing Manager", "Sales Lead", "Designer", "CTO", "Marketing Analyst", "Developer Advocate", "Accountant"];
    private static readonly string[] Statuses = ["subscribed", "subscribed", "subscribed", "subscribed", "subscribed", "subscribed", "unsubscribed", "bounced", "pending"];
    private static readonly string[] Cities = ["Springfield", "Riverside", "Fairview", "Madison", "Georgetown", "Salem", "Franklin", "Clinton"];
    private static readonly string[] UsStates = ["CA", "NY", "TX", "FL", "WA", "IL", "MA", "CO"];
    private static readonly string[] Pages = ["/", "/pricing", "/features", "/blog", "/docs", "/checkout", "/cart"];
    private static readonly string[] CompanySizes = ["5", "25", "120", "600", "4000"];
    private static readonly string[] Categories = ["shoes", "apparel", "accessories", "electronics", "books"];
    private static readonly (string Country, string Zone)[] Countries =
    [
        ("USA", "America/New_York"), ("USA", "America/New_York"), ("USA", "America/New_York"), ("USA", "America/Chicago"),
        ("Canada", "America/Toronto"), ("United Kingdom", "Europe/London"), ("Germany", "Europe/Berlin"), ("France", "Europe/Paris"),
        ("Australia", "Australia/Sydney"), ("Norway", "Europe/Oslo"),
    ];

    public const string ContactColumns =
        "tenant_id, id, email, first_name, last_name, phone, status, country, city, time_zone, birthday, subscribed_at, created_at, updated_at, tags, attributes";

    public const string EventColumns = "tenant_id, id, contact_id, type, occurred_at, properties";

    /// <summary>Contacts whose events go in one COPY statement.</summary>
    private const int ChunkContacts = 100_000;

    public static readonly string[] EventTypes = ["email_sent", "email_opened", "email_clicked", "page_view", "added_to_cart", "purchase"];

    /// <summary>
    /// A tenant row (unless the API made it), the demo's custom fields and the event types, for a tenant in UTC.
    /// </summary>
    public static void WriteTenant(NpgsqlConnection owner, Guid tenantId, string? slug)
    {
        using var batch = new NpgsqlBatch(owner);
        if (slug is not null)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO tenants (id, name, slug, time_zone) VALUES ($1, $2, $2, 'UTC')")
            {
                Parameters = { new NpgsqlParameter { Value = tenantId }, new NpgsqlParameter { Value = slug } },
            });
        }

        foreach (var field in DemoDataGenerator.FieldDefinitions(tenantId))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO field_definitions (tenant_id, key, label, type, options) VALUES ($1, $2, $3, $4, $5::jsonb)")
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = tenantId }, new NpgsqlParameter { Value = field.Key }, new NpgsqlParameter { Value = field.Label },
                    new NpgsqlParameter { Value = field.Type }, new NpgsqlParameter { Value = System.Text.Json.JsonSerializer.Serialize(field.Options) },
                },
            });
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO event_types (tenant_id, type) SELECT $1, unnest($2::text[])")
        {
            Parameters = { new NpgsqlParameter { Value = tenantId }, new NpgsqlParameter { Value = EventTypes } },
        });
        batch.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs <paramref name="load"/> with the event table's secondary indexes dropped, then builds them again:
    /// once over the loaded rows, instead of growing them row by row.
    /// </summary>
    public static void WithoutEventIndexes(NpgsqlConnection owner, Action load)
    {
        var indexes = new List<string>();
        using (var read = new NpgsqlCommand(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'contact_events' AND indexname NOT LIKE 'pk\\_%'", owner))
        using (var reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                indexes.Add(reader.GetString(0));
            }
        }

        foreach (var index in indexes)
        {
            Execute(owner, $"DROP INDEX {index.Split(' ')[2]}");
        }

        load();
        Execute(owner, "SET maintenance_work_mem = '1GB'");
        foreach (var index in indexes)
        {
            Execute(owner, index);
        }
    }

    /// <summary>Copies <paramref name="count"/> contacts of the tenant, then their events; returns how many events.</summary>
    public long Write(NpgsqlConnection owner, Guid tenantId, int count)
    {
        using (var copy = owner.BeginBinaryImport($"COPY contacts ({ContactColumns}) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < count; i++)
            {
                WriteContact(copy, tenantId, Generate(i));
            }

            copy.Complete();
        }

        // The events are the contacts' own, so their foreign keys are not checked row by row (the session as a
        // replica skips them); the trigger that keeps the event totals is made to fire all the same. The events
        // go in statements of at most ChunkContacts contacts each, so each statement's totals are summed in memory.
        Execute(owner, "ALTER TABLE contact_events ENABLE ALWAYS TRIGGER contact_events_add_totals; SET session_replication_role = replica");
        var events = 0L;
        for (var first = 0; first < count; first += ChunkContacts)
        {
            using var copy = owner.BeginBinaryImport($"COPY contact_events ({EventColumns}) FROM STDIN (FORMAT BINARY)");
            for (var i = first; i < Math.Min(count, first + ChunkContacts); i++)
            {
                var contact = Generate(i);
                foreach (var e in contact.Events)
                {
                    copy.StartRow();
                    copy.Write(tenantId, NpgsqlDbType.Uuid);
                    copy.Write(e.Id, NpgsqlDbType.Uuid);
                    copy.Write(contact.Id, NpgsqlDbType.Uuid);
                    copy.Write(e.Type, NpgsqlDbType.Text);
                    copy.Write(e.At, NpgsqlDbType.TimestampTz);
                    copy.Write(e.Properties, NpgsqlDbType.Jsonb);
                    events++;
                }
            }

            copy.Complete();
        }

        Execute(owner, "SET session_replication_role = origin; ALTER TABLE contact_events ENABLE TRIGGER contact_events_add_totals");
        return events;
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        command.ExecuteNonQuery();
    }

    private sealed record Event(Guid Id, string Type, DateTimeOffset At, string Properties, decimal Amount);

    private sealed record Generated(
        Guid Id, string Email, string Status, string? Country, string Zone, DateOnly? Birthday,
        DateTimeOffset CreatedAt, string[] Tags, string Attributes, List<Event> Events);

    private Generated Generate(int i)
    {
        var random = new Random(unchecked((seed * 16_777_619) + i));
        var createdAt = now.AddSeconds(-random.NextDouble() * 3 * 365 * 86400);
        var status = Statuses[random.Next(Statuses.Length)];
        var (country, zone) = Countries[random.Next(Countries.Length)];
        var state = country == "USA" ? UsStates[random.Next(UsStates.Length)] : null;
        zone = state is "CA" or "WA" ? "America/Los_Angeles" : zone;
        var plan = Plans[Math.Min(random.Next(10) / 3, 3)];
        var level = Math.Pow(random.NextDouble(), 2);
        var events = Engagement(random, createdAt, status, plan, level);
        var purchases = events.Where(e => e.Type == "purchase").ToList();
        var lifetimeValue = purchases.Sum(e => e.Amount);
        var tags = new List<string>();
        if (random.NextDouble() < 0.45) tags.Add("newsletter");
        if (random.NextDouble() < 0.06) tags.Add("vip");
        if (random.NextDouble() < 0.15) tags.Add("webinar");

        var attributes = new StringBuilder("{");
        void Add(string key, string? json)
        {
            if (json is not null)
            {
                attributes.Append(attributes.Length > 1 ? "," : "").Append('"').Append(key).Append("\":").Append(json);
            }
        }

        static string Text(string value) => $"\"{value}\"";
        Add("plan_type", Text(plan));
        Add("lifetime_value", lifetimeValue.ToString(CultureInfo.InvariantCulture));
        Add("company_size", random.NextDouble() < 0.8 ? CompanySizes[random.Next(CompanySizes.Length)] : null);
        Add("job_title", random.NextDouble() < 0.9 ? Text(Titles[random.Next(Titles.Length)]) : null);
        Add("last_purchase_date", purchases.Count > 0 ? Text(purchases.Max(e => e.At).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) : null);
        Add("industry", Text(Industries[random.Next(Industries.Length)]));
        Add("product_interest", random.NextDouble() < 0.7 ? Text(Interests[random.Next(Interests.Length)]) : null);
        Add("customer_tier", Text(lifetimeValue switch { > 1500 => "Platinum", > 700 => "Gold", > 200 => "Silver", _ => "Bronze" }));
        Add("state", state is null ? null : Text(state));
        Add("newsletter_opt_in", tags.Contains("newsletter") || random.NextDouble() < 0.2 ? "true" : "false");
        Add("last_activity", events.Count > 0 ? Text(events.Max(e => e.At).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)) : null);
        attributes.Append('}');

        var birthday = random.NextDouble() < 0.85 ? new DateOnly(1950, 1, 1).AddDays(random.Next(20_000)) : (DateOnly?)null;
        return new Generated(
            Uuid7(createdAt, random), $"contact{i}@{(random.NextDouble() < 0.03 ? "company.com" : $"mail{i % 97}.example")}", status,
            random.NextDouble() < 0.95 ? country : null, zone, birthday, createdAt, [.. tags], attributes.ToString(), events);
    }

    private List<Event> Engagement(Random random, DateTimeOffset createdAt, string status, string plan, double level)
    {
        var from = createdAt > now.AddDays(-365) ? createdAt : now.AddDays(-365);
        var span = (now - from).TotalSeconds;
        // At scale 1 the mix below averages 9.25 events a contact (925,217 for 100,000 contacts).
        var scale = eventsPerContact / 9.25;
        var events = new List<Event>();

        void Add(string type, int times, Func<(string Json, decimal Amount)> properties)
        {
            for (var n = 0; n < times; n++)
            {
                var at = from.AddSeconds(random.NextDouble() * span);
                var (json, amount) = properties();
                events.Add(new Event(Uuid7(at, random), type, at, json, amount));
            }
        }

        int Times(double mean) => (int)Math.Round(mean * scale * random.NextDouble() * 2);
        (string, decimal) Plain(string json) => (json, 0m);
        (string, decimal) Priced(string key, int low, int high)
        {
            var money = Math.Round(low + ((decimal)random.NextDouble() * (high - low)), 2);
            return ($"{{\"{key}\":{money.ToString("0.00", CultureInfo.InvariantCulture)},\"category\":\"{Categories[random.Next(Categories.Length)]}\"}}", money);
        }

        var engaged = status != "pending";
        Add("email_sent", engaged ? Times(2) : 0, () => Plain(random.Next(8) == 0 ? "{\"campaign\":\"welcome\"}" : $"{{\"campaign\":\"{random.Next(1, 40)}\"}}"));
        var opens = engaged ? Times(level * 12) : 0;
        Add("email_opened", opens, () => Plain($"{{\"campaign\":\"{random.Next(1, 40)}\"}}"));
        Add("email_clicked", (int)Math.Round(opens * random.NextDouble() * 0.35), () => Plain($"{{\"url\":\"https://shop.example{Pages[random.Next(Pages.Length)]}\"}}"));
        Add("page_view", Times(level * 8), () => Plain($"{{\"path\":\"{Pages[random.Next(Pages.Length)]}\"}}"));
        Add("added_to_cart", Times(level * 1.5), () => Priced("value", 5, 200));
        Add("purchase", plan == "Free" && random.Next(10) < 6 ? 0 : Times(level * 1.2), () => Priced("amount", 5, 400));
        return events;
    }

    /// <summary>A UUID version 7 of the instant, its random bits drawn from <paramref name="random"/>, so it is the same on every run.</summary>
    private static Guid Uuid7(DateTimeOffset at, Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        Span<byte> millis = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(millis, at.ToUnixTimeMilliseconds());
        millis[2..].CopyTo(bytes);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    private static void WriteContact(NpgsqlBinaryImporter copy, Guid tenantId, Generated c)
    {
        copy.StartRow();
        copy.Write(tenantId, NpgsqlDbType.Uuid);
        copy.Write(c.Id, NpgsqlDbType.Uuid);
        copy.Write(c.Email, NpgsqlDbType.Text);
        copy.Write($"First{c.Email.Length}", NpgsqlDbType.Text);
        copy.Write("Benchmark", NpgsqlDbType.Text);
        copy.WriteNull();
        copy.Write(c.Status, NpgsqlDbType.Text);
        Nullable(copy, c.Country, NpgsqlDbType.Text);
        copy.Write(Cities[c.Email.Length % Cities.Length], NpgsqlDbType.Text);
        copy.Write(c.Zone, NpgsqlDbType.Text);
        Nullable(copy, c.Birthday, NpgsqlDbType.Date);
        Nullable(copy, c.Status == "pending" ? null : (DateTimeOffset?)c.CreatedAt.AddMinutes(5), NpgsqlDbType.TimestampTz);
        copy.Write(c.CreatedAt, NpgsqlDbType.TimestampTz);
        copy.Write(c.CreatedAt, NpgsqlDbType.TimestampTz);
        copy.Write(c.Tags, NpgsqlDbType.Array | NpgsqlDbType.Text);
        copy.Write(c.Attributes, NpgsqlDbType.Jsonb);
    }

    private static void Nullable<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }
}
