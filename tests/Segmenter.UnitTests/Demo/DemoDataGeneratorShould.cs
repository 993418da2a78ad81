using Segmenter.Core.Demo;
using Segmenter.Core.Fields;

namespace Segmenter.UnitTests.Demo;

public sealed class DemoDataGeneratorShould
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Tenant = Guid.CreateVersion7();

    [Fact]
    public void Give_the_same_data_for_the_same_seed()
    {
        var first = Snapshot(new DemoDataGenerator(7, Now));
        var second = Snapshot(new DemoDataGenerator(7, Now));
        var other = Snapshot(new DemoDataGenerator(8, Now));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Keep_attributes_consistent_with_events_and_field_types()
    {
        var fields = DemoDataGenerator.FieldDefinitions(Tenant).ToDictionary(f => f.Key, f => f.Type);
        var generated = new DemoDataGenerator(11, Now).Generate(Tenant, 300).ToList();

        Assert.Equal(300, generated.Select(g => g.Contact.Email).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var (contact, events) in generated)
        {
            var attributes = contact.Attributes.RootElement;
            Assert.All(attributes.EnumerateObject(), a => Assert.True(fields.ContainsKey(a.Name), $"undefined attribute {a.Name}"));
            var purchases = events.Where(e => e.Type == "purchase").ToList();
            Assert.Equal(
                purchases.Sum(p => p.Properties.RootElement.GetProperty("amount").GetDecimal()),
                attributes.GetProperty("lifetime_value").GetDecimal());
            Assert.Equal(purchases.Count > 0, attributes.TryGetProperty("last_purchase_date", out _));
            Assert.Equal(events.Count > 0, attributes.TryGetProperty("last_activity", out var lastActivity));
            if (events.Count > 0)
            {
                Assert.Equal(events.Max(e => e.OccurredAt).UtcDateTime, lastActivity.GetDateTimeOffset().UtcDateTime, TimeSpan.FromMicroseconds(1));
            }
            Assert.All(events, e => Assert.InRange(e.OccurredAt, Now.AddDays(-365), Now));
            Assert.All(events, e => Assert.True(e.OccurredAt >= contact.CreatedAt, "an event before its contact existed"));
        }

        var eventTypes = generated.SelectMany(g => g.Events).Select(e => e.Type).ToHashSet();
        Assert.Superset(new HashSet<string> { "email_opened", "email_clicked", "page_view", "added_to_cart", "purchase" }, eventTypes);
        Assert.Contains(generated, g => g.Contact.Attributes.RootElement.GetProperty("plan_type").GetString() == "Pro");
        Assert.All(fields.Values, type => Assert.Contains(type, FieldType.All));
    }

    private static List<string> Snapshot(DemoDataGenerator generator) =>
        generator.Generate(Tenant, 50)
            .Select(g => $"{g.Contact.Email}|{g.Contact.Status}|{g.Contact.Attributes.RootElement.GetRawText()}|{g.Events.Count}")
            .ToList();
}
