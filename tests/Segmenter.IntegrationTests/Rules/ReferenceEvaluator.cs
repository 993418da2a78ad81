using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Segmenter.Core.Contacts;
using Segmenter.Core.Rules;

namespace Segmenter.IntegrationTests.Rules;

/// <summary>A contact as the reference evaluator sees it: its row, its events, and the segments it is in (with when it entered).</summary>
public sealed record ReferenceContact(Contact Contact, IReadOnlyList<ContactEvent> Events, IReadOnlyDictionary<Guid, DateTimeOffset> Memberships);

/// <summary>
/// DESIGN section 4 in plain C# over objects in memory, written from the specification sentence by sentence
/// and not from the translator, so the differential test compares two independent readings of it.
/// </summary>
public sealed partial class ReferenceEvaluator(DateTimeOffset now, TimeZoneInfo zone, IReadOnlyDictionary<string, string> customFieldTypes)
{
    private readonly DateOnly _today = LocalDate(now, zone);

    public bool Matches(RuleNode node, ReferenceContact contact) => node switch
    {
        RuleGroup group => (group.Logic == "or" ? group.Rules.Any(r => Matches(r, contact)) : group.Rules.All(r => Matches(r, contact))) != group.Negate,
        FieldCondition field => Field(field, contact.Contact),
        EventCondition e => Event(e, contact),
        MembershipCondition m => Membership(m, contact) ,
        _ => throw new ArgumentException("unknown node", nameof(node)),
    };

    // ---- fields ----

    private bool Field(FieldCondition condition, Contact contact)
    {
        var c = contact;
        return condition.Field switch
        {
            "email" => Text(c.Email, condition.Operator, condition.Value),
            "first_name" => Text(c.FirstName, condition.Operator, condition.Value),
            "last_name" => Text(c.LastName, condition.Operator, condition.Value),
            "phone" => Text(c.Phone, condition.Operator, condition.Value),
            "country" => Text(c.Country, condition.Operator, condition.Value),
            "city" => Text(c.City, condition.Operator, condition.Value),
            "time_zone" => Text(c.TimeZone, condition.Operator, condition.Value),
            "status" => Text(c.Status, condition.Operator, condition.Value),
            "birthday" => Date(c.Birthday, condition.Operator, condition.Value),
            "subscribed_at" => DateTime(c.SubscribedAt, condition.Operator, condition.Value),
            "created_at" => DateTime(c.CreatedAt, condition.Operator, condition.Value),
            "updated_at" => DateTime(c.UpdatedAt, condition.Operator, condition.Value),
            "tags" => Tags(c.Tags, condition.Operator, condition.Value),
            "today" => Date(_today, condition.Operator, condition.Value),
            var key => customFieldTypes[key] switch
            {
                "text" or "choice" => Text(AttributeText(c.Attributes.RootElement, key), condition.Operator, condition.Value),
                "number" => Number(AttributeNumber(c.Attributes.RootElement, key), condition.Operator, condition.Value),
                "date" => Date(AttributeDate(c.Attributes.RootElement, key), condition.Operator, condition.Value),
                "datetime" => DateTime(AttributeInstant(c.Attributes.RootElement, key), condition.Operator, condition.Value),
                "boolean" => Boolean(AttributeBoolean(c.Attributes.RootElement, key), condition.Operator, condition.Value),
                var type => throw new ArgumentException($"type {type}", nameof(condition)),
            },
        };
    }

    // ---- reading stored JSON the way the specification says ----

    /// <summary>Like PostgreSQL's <c>-&gt;&gt;</c>: a string's text, other JSON as its text, null when missing or JSON null.</summary>
    private static string? AttributeText(JsonElement json, string key) =>
        !json.TryGetProperty(key, out var v) ? null : v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => v.GetString(),
            _ => v.GetRawText(),
        };

    private static decimal? AttributeNumber(JsonElement json, string key) =>
        json.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;

    private static bool? AttributeBoolean(JsonElement json, string key) =>
        json.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static DateOnly? AttributeDate(JsonElement json, string key) =>
        json.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && DatePattern().IsMatch(v.GetString()!)
            ? DateOnly.ParseExact(v.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;

    private static DateTimeOffset? AttributeInstant(JsonElement json, string key) =>
        json.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && InstantPattern().IsMatch(v.GetString()!)
            ? DateTimeOffset.Parse(v.GetString()!, CultureInfo.InvariantCulture)
            : null;

    // ---- operators ----

    /// <summary>Empty is null or ""; comparisons lower-case both sides; contains/starts/ends are ordinal substrings.</summary>
    private static bool Text(string? x, string op, JsonElement? value)
    {
        var empty = string.IsNullOrEmpty(x);
        var lower = x?.ToLowerInvariant();
        return op switch
        {
            "is_empty" => empty,
            "is_not_empty" => !empty,
            "equals" => !empty && lower == Lower(value),
            "not_equals" => !(!empty && lower == Lower(value)),
            "contains" => !empty && lower!.Contains(Lower(value), StringComparison.Ordinal),
            "not_contains" => !(!empty && lower!.Contains(Lower(value), StringComparison.Ordinal)),
            "starts_with" => !empty && lower!.StartsWith(Lower(value), StringComparison.Ordinal),
            "ends_with" => !empty && lower!.EndsWith(Lower(value), StringComparison.Ordinal),
            "in" => !empty && LowerList(value).Contains(lower!),
            "not_in" => !(!empty && LowerList(value).Contains(lower!)),
            _ => throw new ArgumentException(op, nameof(op)),
        };
    }

    private static bool Number(decimal? x, string op, JsonElement? value) => op switch
    {
        "is_empty" => x is null,
        "is_not_empty" => x is not null,
        "equals" => x is { } a && a == value!.Value.GetDecimal(),
        "not_equals" => !(x is { } a && a == value!.Value.GetDecimal()),
        "greater_than" => x is { } a && a > value!.Value.GetDecimal(),
        "greater_than_or_equal" => x is { } a && a >= value!.Value.GetDecimal(),
        "less_than" => x is { } a && a < value!.Value.GetDecimal(),
        "less_than_or_equal" => x is { } a && a <= value!.Value.GetDecimal(),
        "between" => x is { } a && a >= value!.Value[0].GetDecimal() && a <= value.Value[1].GetDecimal(),
        "in" => x is { } a && value!.Value.EnumerateArray().Any(e => e.GetDecimal() == a),
        "not_in" => !(x is { } a && value!.Value.EnumerateArray().Any(e => e.GetDecimal() == a)),
        _ => throw new ArgumentException(op, nameof(op)),
    };

    private bool Date(DateOnly? x, string op, JsonElement? value) => op switch
    {
        "is_empty" => x is null,
        "is_not_empty" => x is not null,
        "equals" => x is { } d && d == Day(value!.Value),
        "not_equals" => !(x is { } d && d == Day(value!.Value)),
        "before" => x is { } d && d < Day(value!.Value),
        "after" => x is { } d && d > Day(value!.Value),
        "between" => x is { } d && d >= Day(value!.Value[0]) && d <= Day(value.Value[1]),
        "within_days" => x is { } d && d >= _today.AddDays(-value!.Value.GetInt32()) && d <= _today,
        "more_than_days_ago" => x is { } d && d < _today.AddDays(-value!.Value.GetInt32()),
        "within_next_days" => x is { } d && d >= _today && d <= _today.AddDays(value!.Value.GetInt32()),
        "anniversary_today" => x is { } d && Anniversary(d),
        "month_equals" => x is { } d && d.Month == (value!.Value.ValueKind == JsonValueKind.String ? _today.Month : value.Value.GetInt32()),
        "month_in" => x is { } d && value!.Value.EnumerateArray().Any(m => m.GetInt32() == d.Month),
        _ => throw new ArgumentException(op, nameof(op)),
    };

    /// <summary>Day rules use v's calendar date in the tenant's zone; N-day windows and instants use the instant.</summary>
    private bool DateTime(DateTimeOffset? v, string op, JsonElement? value)
    {
        DateOnly? day = v is { } instant ? LocalDate(instant, zone) : null;
        return op switch
        {
            "within_days" => v is { } a && a >= now.AddDays(-value!.Value.GetInt32()) && a <= now,
            "more_than_days_ago" => v is { } a && a < now.AddDays(-value!.Value.GetInt32()),
            "within_next_days" => v is { } a && a >= now && a <= now.AddDays(value!.Value.GetInt32()),
            "before" when value!.Value.GetString()!.Length > 10 => v is { } a && a < DateTimeOffset.Parse(value.Value.GetString()!, CultureInfo.InvariantCulture),
            "after" when value!.Value.GetString()!.Length > 10 => v is { } a && a > DateTimeOffset.Parse(value.Value.GetString()!, CultureInfo.InvariantCulture),
            _ => Date(day, op, value),
        };
    }

    private static bool Boolean(bool? x, string op, JsonElement? value) => op switch
    {
        "is_empty" => x is null,
        "is_not_empty" => x is not null,
        "equals" => x is { } b && b == value!.Value.GetBoolean(),
        "not_equals" => !(x is { } b && b == value!.Value.GetBoolean()),
        _ => throw new ArgumentException(op, nameof(op)),
    };

    private static bool Tags(List<string> tags, string op, JsonElement? value)
    {
        var has = tags.Select(t => t.ToLowerInvariant()).ToHashSet();
        return op switch
        {
            "is_empty" => tags.Count == 0,
            "is_not_empty" => tags.Count > 0,
            "contains" => has.Contains(Lower(value)),
            "not_contains" => !has.Contains(Lower(value)),
            "contains_any" => LowerList(value).Any(has.Contains),
            "contains_all" => LowerList(value).All(has.Contains),
            _ => throw new ArgumentException(op, nameof(op)),
        };
    }

    // ---- events and membership ----

    private bool Event(EventCondition condition, ReferenceContact contact)
    {
        var events = contact.Events
            .Where(e => e.Type == condition.Event && e.OccurredAt <= now)
            .Where(e => condition.WithinDays is not { } days || e.OccurredAt >= now.AddDays(-days))
            .Where(e => condition.Where.All(filter => Passes(filter, e)))
            .ToList();
        var amounts = events.Select(e => AttributeNumber(e.Properties.RootElement, condition.Property ?? "")).OfType<decimal>().ToList();
        return condition.Aggregate switch
        {
            "count" => Number(events.Count, condition.Operator, condition.Value),
            "sum" => Number(amounts.Sum(), condition.Operator, condition.Value),
            "avg" => Number(amounts.Count == 0 ? null : amounts.Average(), condition.Operator, condition.Value),
            "min" => Number(amounts.Count == 0 ? null : amounts.Min(), condition.Operator, condition.Value),
            "max" => Number(amounts.Count == 0 ? null : amounts.Max(), condition.Operator, condition.Value),
            "first_at" => DateTime(events.Count == 0 ? null : events.Min(e => e.OccurredAt), condition.Operator, condition.Value),
            "last_at" => DateTime(events.Count == 0 ? null : events.Max(e => e.OccurredAt), condition.Operator, condition.Value),
            _ => throw new ArgumentException(condition.Aggregate, nameof(condition)),
        };
    }

    private static bool Passes(EventFilter filter, ContactEvent e) =>
        filter.Value is { ValueKind: JsonValueKind.Number }
            ? Number(AttributeNumber(e.Properties.RootElement, filter.Property), filter.Operator, filter.Value)
            : Text(AttributeText(e.Properties.RootElement, filter.Property), filter.Operator, filter.Value);

    private bool Membership(MembershipCondition condition, ReferenceContact contact)
    {
        var isIn = contact.Memberships.TryGetValue(condition.Segment, out var entered)
            && (condition.EnteredWithinDays is not { } days || entered >= now.AddDays(-days));
        return condition.Operator == "in" ? isIn : !isIn;
    }

    // ---- helpers ----

    private bool Anniversary(DateOnly d) =>
        (d.Month == _today.Month && d.Day == _today.Day)
        || (d.Month == 2 && d.Day == 29 && _today.Month == 2 && _today.Day == 28 && !System.DateTime.IsLeapYear(_today.Year));

    private static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    private static DateOnly Day(JsonElement value) =>
        DateOnly.ParseExact(value.GetString()![..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Lower(JsonElement? value) => value!.Value.GetString()!.ToLowerInvariant();

    private static HashSet<string> LowerList(JsonElement? value) =>
        value!.Value.EnumerateArray().Select(e => e.GetString()!.ToLowerInvariant()).ToHashSet();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T")]
    private static partial Regex InstantPattern();
}
