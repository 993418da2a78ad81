using System.Text.Json;
using Segmenter.Core.Rules;

namespace Segmenter.Web.Components.Builder;

/// <summary>A condition in words, as the builder would show it: "Country is USA", "purchase: total of amount is at least 100 in the last 30 days".</summary>
public static class RuleText
{
    public static string Describe(RuleNode node, RuleChoices choices) => node switch
    {
        RuleGroup group => (group.Logic, group.Negate) switch
        {
            (RuleGroup.Or, true) => "None of these",
            (RuleGroup.Or, false) => "Any of these",
            (_, true) => "Not all of these",
            _ => "All of these",
        },
        FieldCondition field => Join(choices.Catalog.Find(field.Field)?.Label ?? field.Field, Comparison(field.Operator, field.Value)),
        EventCondition e => Join(
            $"{e.Event}: {BuilderLabels.Aggregate(e.Aggregate).ToLowerInvariant()}{(e.Property is null ? "" : $" of {e.Property}")}",
            Comparison(e.Operator, e.Value))
            + (e.WithinDays is { } days ? $" in the last {days} days" : "")
            + (e.Where.Count > 0 ? " where " + string.Join(" and ", e.Where.Select(f => Join(f.Property, Comparison(f.Operator, f.Value)))) : ""),
        MembershipCondition m => Join(
            m.Operator == RuleOperators.In ? "Member of" : "Not a member of",
            choices.Segments.FirstOrDefault(s => s.Id == m.Segment)?.Name ?? "a segment no longer here",
            m.EnteredWithinDays is { } joined ? $"(joined in the last {joined} days)" : null),
        _ => node.GetType().Name,
    };

    /// <summary>The operator's words with the value after them, or in place of the "…" of "is in the last … days".</summary>
    private static string Comparison(string op, JsonElement? value)
    {
        var words = BuilderLabels.Operator(op);
        if (op == RuleOperators.Between && value is { ValueKind: JsonValueKind.Array } range && range.GetArrayLength() == 2)
        {
            return $"{words} {Value(range[0])} and {Value(range[1])}";
        }

        return words.Contains('…', StringComparison.Ordinal) ? words.Replace("…", Value(value), StringComparison.Ordinal) : Join(words, Value(value));
    }

    private static string Join(params string?[] parts) => string.Join(" ", parts.Where(p => !string.IsNullOrEmpty(p)));

    private static string? Value(JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Array } list => string.Join(", ", list.EnumerateArray().Select(v => Value(v))),
        { ValueKind: JsonValueKind.True } => "yes",
        { ValueKind: JsonValueKind.False } => "no",
        { } other => other.GetRawText(),
    };
}
