using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmenter.Core.Rules;
using static Segmenter.Core.Rules.RuleOperators;

namespace Segmenter.IntegrationTests.Rules;

/// <summary>
/// Seeded random valid rule trees over the edge tenant: every operator of every type, nesting to depth 5,
/// negation, events with every aggregate, windows and filters, and membership, with values drawn mostly
/// from what the data holds so that trees split the contacts rather than match all or none.
/// </summary>
public sealed class RuleTreeGenerator(int seed, EdgeTenant tenant, FieldCatalog catalog)
{
    private static readonly string[] Fragments = ["an", "ZO", "ë", "%", "_", "\\", "é", "Ü", "usa", "x", " ", "off", "1", "b"];
    private static readonly int[] DayCounts = [0, 1, 2, 7, 8, 30, 365, 400, 36500];

    private readonly Random _random = new(seed);
    private int _conditions;

    public RuleGroup Next()
    {
        _conditions = 0;
        return Group(1);
    }

    private RuleGroup Group(int depth)
    {
        var rules = new List<RuleNode>();
        var size = _random.Next(1, 4);
        for (var i = 0; i < size && _conditions < 20; i++)
        {
            rules.Add(depth < 5 && _random.Next(4) == 0 ? Group(depth + 1) : Condition());
        }

        if (rules.Count == 0)
        {
            rules.Add(Condition());
        }

        return new RuleGroup(_random.Next(2) == 0 ? RuleGroup.And : RuleGroup.Or, rules, _random.Next(5) == 0);
    }

    private RuleNode Condition()
    {
        _conditions++;
        return _random.Next(10) switch
        {
            < 6 => FieldCondition(),
            < 9 => EventCondition(),
            _ => Membership(),
        };
    }

    private FieldCondition FieldCondition()
    {
        var field = Pick(catalog.Fields);
        var op = Pick(field.Operators);
        return new FieldCondition(field.Key, op, Value(field.Type, op));
    }

    private EventCondition EventCondition()
    {
        var aggregate = Pick(Segmenter.Core.Rules.EventCondition.Aggregates);
        var property = Segmenter.Core.Rules.EventCondition.PropertyAggregates.Contains(aggregate)
            ? (_random.Next(6) == 0 ? "category" : "amount")
            : null;
        var filters = Enumerable.Range(0, _random.Next(3) == 0 ? _random.Next(1, 3) : 0).Select(_ => Filter()).ToList();
        var type = AggregateType(aggregate);
        var op = Pick(For(type));
        var value = aggregate is Segmenter.Core.Rules.EventCondition.Count
            ? CountValue(op)
            : Value(type, op);
        return new EventCondition(
            _random.Next(12) == 0 ? "never_happens" : Pick(EdgeTenant.EventTypes),
            aggregate,
            property,
            _random.Next(2) == 0 ? Pick(DayCounts) : null,
            filters,
            op,
            value);
    }

    private EventFilter Filter() => _random.Next(3) switch
    {
        0 => new EventFilter("amount", Pick([EqualsTo, NotEquals, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual]), Json(Pick(EdgeTenant.Numbers))),
        1 => new EventFilter(_random.Next(2) == 0 ? "category" : "amount", Pick([IsEmpty, IsNotEmpty]), null),
        _ => new EventFilter("category", Pick([EqualsTo, NotEquals, Contains, NotContains, StartsWith, EndsWith]), Json(TextValue())),
    };

    private MembershipCondition Membership()
    {
        var op = _random.Next(2) == 0 ? In : NotIn;
        return new MembershipCondition(Pick(tenant.Segments), op, op == In && _random.Next(2) == 0 ? Pick(DayCounts) : null);
    }

    private JsonElement? CountValue(string op) => op switch
    {
        IsEmpty or IsNotEmpty => null,
        Between => Json(new JsonArray(_random.Next(0, 2), _random.Next(2, 5))),
        In or NotIn => Json(new JsonArray(_random.Next(0, 3), _random.Next(0, 5))),
        _ => Json(_random.Next(0, 4)),
    };

    private JsonElement? Value(string type, string op)
    {
        if (op is IsEmpty or IsNotEmpty or AnniversaryToday)
        {
            return null;
        }

        return (type, op) switch
        {
            (Types.Text or Types.Choice, In or NotIn) => Json(new JsonArray(Enumerable.Range(0, _random.Next(1, 4)).Select(_ => (JsonNode)TextValue()).ToArray())),
            (Types.Text or Types.Choice, _) => Json(TextValue()),
            (Types.Tags, ContainsAny or ContainsAll) => Json(new JsonArray(Enumerable.Range(0, _random.Next(1, 3)).Select(_ => (JsonNode)TagValue()).ToArray())),
            (Types.Tags, _) => Json(TagValue()),
            (Types.Number, Between) => Json(Sorted(Pick(EdgeTenant.Numbers), Pick(EdgeTenant.Numbers))),
            (Types.Number, In or NotIn) => Json(new JsonArray(Enumerable.Range(0, _random.Next(1, 4)).Select(_ => (JsonNode)Pick(EdgeTenant.Numbers)).ToArray())),
            (Types.Number, _) => Json(Pick(EdgeTenant.Numbers)),
            (Types.Boolean, _) => Json(_random.Next(2) == 0),
            (_, WithinDays or MoreThanDaysAgo or WithinNextDays) => Json(Pick(DayCounts)),
            (_, MonthEquals) => _random.Next(3) == 0 ? Json("current") : Json(_random.Next(1, 13)),
            (_, MonthIn) => Json(new JsonArray(Enumerable.Range(0, _random.Next(1, 4)).Select(_ => (JsonNode)_random.Next(1, 13)).ToArray())),
            (_, Between) => Json(DateRange()),
            (Types.DateTime, Before or After) when _random.Next(3) == 0 =>
                Json(Pick(tenant.Instants).AddSeconds(_random.Next(-1, 2)).ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture)),
            _ => Json(DateText(Pick(tenant.Dates))),
        };
    }

    private JsonArray DateRange()
    {
        var (a, b) = (Pick(tenant.Dates), Pick(tenant.Dates));
        return a <= b ? new JsonArray(DateText(a), DateText(b)) : new JsonArray(DateText(b), DateText(a));
    }

    private static JsonArray Sorted(decimal a, decimal b) => a <= b ? new JsonArray(a, b) : new JsonArray(b, a);

    private string TextValue() => _random.Next(3) switch
    {
        0 => Pick(Fragments),
        1 => Pick(EdgeTenant.Categories),
        _ => Pick(EdgeTenant.Strings).Trim() is { Length: > 0 } s ? s : "x",
    };

    private string TagValue() => _random.Next(4) == 0 ? Pick(["vi", "beta", "ÉCLAIR", "none"]) : Pick(EdgeTenant.Tags);

    private static string DateText(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static JsonElement Json<T>(T value) => JsonSerializer.SerializeToElement(value);
}
