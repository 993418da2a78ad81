using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segmenter.Core.Rules;

/// <summary>A node of a segment definition: a <see cref="RuleGroup"/> or one of the three conditions.</summary>
/// <remarks>JSON tells the kind by its keys (<c>rules</c>, <c>field</c>, <c>event</c>, <c>segment</c>); see <see cref="RuleJson"/>.</remarks>
[JsonConverter(typeof(RuleNodeJsonConverter<RuleNode>))]
public abstract record RuleNode;

/// <summary><c>{"logic": "and" | "or", "rules": [...], "negate": false}</c>: all (and) or any (or) of its rules; NOT of that when negated.</summary>
/// <remarks><c>logic</c> is read case-insensitively and kept in lower case.</remarks>
[JsonConverter(typeof(RuleNodeJsonConverter<RuleGroup>))]
public sealed record RuleGroup(string Logic, IReadOnlyList<RuleNode> Rules, bool Negate = false) : RuleNode
{
    public const string And = "and";
    public const string Or = "or";
}

/// <summary><c>{"field": KEY, "operator": OP, "value": V}</c> over a built-in or custom contact field.</summary>
/// <remarks>The value is kept as raw JSON (null when absent or JSON null) and checked against the field's type by the validator.</remarks>
[JsonConverter(typeof(RuleNodeJsonConverter<FieldCondition>))]
public sealed record FieldCondition(string Field, string Operator, JsonElement? Value) : RuleNode;

/// <summary>
/// <c>{"event": TYPE, "aggregate": "count", "property": P, "within_days": N, "where": [...], "operator": OP, "value": V}</c>:
/// an aggregate over the contact's events of one type that happened by now (and in the last N days).
/// </summary>
[JsonConverter(typeof(RuleNodeJsonConverter<EventCondition>))]
public sealed record EventCondition(
    string Event,
    string Aggregate,
    string? Property,
    int? WithinDays,
    IReadOnlyList<EventFilter> Where,
    string Operator,
    JsonElement? Value) : RuleNode
{
    public const string Count = "count";
    public const string Sum = "sum";
    public const string Avg = "avg";
    public const string Min = "min";
    public const string Max = "max";
    public const string FirstAt = "first_at";
    public const string LastAt = "last_at";

    public static IReadOnlyList<string> Aggregates { get; } = [Count, Sum, Avg, Min, Max, FirstAt, LastAt];

    /// <summary>The aggregates that read a numeric event property.</summary>
    public static IReadOnlyList<string> PropertyAggregates { get; } = [Sum, Avg, Min, Max];
}

/// <summary><c>{"property": P, "operator": OP, "value": V}</c>: an event counts only when its property passes (text operators for a string value, number operators for a number).</summary>
public sealed record EventFilter(string Property, string Operator, JsonElement? Value);

/// <summary><c>{"segment": ID, "operator": "in" | "not_in", "entered_within_days": N}</c>: membership of another segment's materialised members.</summary>
[JsonConverter(typeof(RuleNodeJsonConverter<MembershipCondition>))]
public sealed record MembershipCondition(Guid Segment, string Operator, int? EnteredWithinDays) : RuleNode;

/// <summary>The shorthand accepted on create: <c>{"name": ..., "conditions": [...], "logic": "AND"}</c>, a dynamic segment of one group.</summary>
public sealed record RuleShorthand(string? Name, string? Description, RuleGroup Definition);
