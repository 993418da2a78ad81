using System.Globalization;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;
using static Segmenter.Core.Rules.RuleOperators;

namespace Segmenter.Core.Rules;

/// <summary>What checking a definition needs besides the tree: the tenant's fields and segments, and the limits.</summary>
/// <remarks>
/// <c>Segments</c> maps each live segment of the tenant to the segments its own definition references, for
/// existence and cycle checks; <c>SegmentId</c> is the segment being edited (null for a new one or a preview).
/// </remarks>
public sealed record RuleValidationContext(
    FieldCatalog Catalog,
    IReadOnlyDictionary<Guid, IReadOnlyList<Guid>> Segments,
    Guid? SegmentId,
    RuleLimits Limits);

/// <summary>
/// Checks a definition against DESIGN section 4, naming the JSON path of every problem
/// (<c>rules[1].rules[0].value</c>). The API and the builder use this same validator, so both say the same
/// thing about the same mistake.
/// </summary>
public sealed class RuleValidator : AbstractValidator<RuleGroup>
{
    public RuleValidator(RuleValidationContext context) =>
        RuleFor(definition => definition).Custom((definition, validation) => new Walk(context, validation).Definition(definition));

    private sealed class Walk(RuleValidationContext context, ValidationContext<RuleGroup> validation)
    {
        private readonly RuleLimits _limits = context.Limits;
        private int _conditions;

        public void Definition(RuleGroup definition)
        {
            Group(definition, "", 1);
            if (_conditions > _limits.MaxConditions)
            {
                Fail("rules", $"A segment has at most {_limits.MaxConditions} conditions; this one has {_conditions}.");
            }
        }

        private void Group(RuleGroup group, string path, int depth)
        {
            if (depth > _limits.MaxDepth)
            {
                Fail(path, $"Groups nest at most {_limits.MaxDepth} levels deep (the top group is level 1).");
                return;
            }

            if (group.Logic is not (RuleGroup.And or RuleGroup.Or))
            {
                Fail(RuleJson.Join(path, "logic"), "Logic must be \"and\" or \"or\".");
            }

            var rulesPath = RuleJson.Join(path, "rules");
            if (group.Rules.Count == 0)
            {
                Fail(rulesPath, "A group needs at least one rule.");
            }

            for (var i = 0; i < group.Rules.Count; i++)
            {
                var rulePath = $"{rulesPath}[{i}]";
                switch (group.Rules[i])
                {
                    case RuleGroup nested:
                        Group(nested, rulePath, depth + 1);
                        break;
                    case FieldCondition field:
                        _conditions++;
                        Field(field, rulePath);
                        break;
                    case EventCondition e:
                        _conditions++;
                        Event(e, rulePath);
                        break;
                    case MembershipCondition m:
                        _conditions++;
                        Membership(m, rulePath);
                        break;
                }
            }
        }

        private void Field(FieldCondition condition, string path)
        {
            var field = context.Catalog.Find(condition.Field);
            if (field is null)
            {
                Fail(RuleJson.Join(path, "field"), $"There is no field \"{condition.Field}\".");
                return;
            }

            if (Operator(condition.Operator, field.Type, $"{field.Label} ({field.Type})", path))
            {
                Value(field.Type, condition.Operator, condition.Value, RuleJson.Join(path, "value"));
            }
        }

        private void Event(EventCondition condition, string path)
        {
            if (string.IsNullOrWhiteSpace(condition.Event))
            {
                Fail(RuleJson.Join(path, "event"), "Name the event type, e.g. \"email_opened\".");
            }
            else
            {
                Length(condition.Event, RuleJson.Join(path, "event"));
            }

            var aggregatePath = RuleJson.Join(path, "aggregate");
            if (!EventCondition.Aggregates.Contains(condition.Aggregate))
            {
                Fail(aggregatePath, $"The aggregate is one of {List(EventCondition.Aggregates)}.");
                return;
            }

            var needsProperty = EventCondition.PropertyAggregates.Contains(condition.Aggregate);
            if (needsProperty && string.IsNullOrWhiteSpace(condition.Property))
            {
                Fail(RuleJson.Join(path, "property"), $"{condition.Aggregate} needs the numeric event property to read, e.g. \"amount\".");
            }
            else if (!needsProperty && condition.Property is not null)
            {
                Fail(RuleJson.Join(path, "property"), $"A property only applies to {List(EventCondition.PropertyAggregates)}.");
            }
            else if (condition.Property is not null)
            {
                Length(condition.Property, RuleJson.Join(path, "property"));
            }

            if (condition.WithinDays is { } days)
            {
                DayCount(days, RuleJson.Join(path, "within_days"));
            }

            for (var i = 0; i < condition.Where.Count; i++)
            {
                Filter(condition.Where[i], $"{RuleJson.Join(path, "where")}[{i}]");
            }

            var type = AggregateType(condition.Aggregate);
            if (Operator(condition.Operator, type, $"the {condition.Aggregate} of events", path))
            {
                Value(type, condition.Operator, condition.Value, RuleJson.Join(path, "value"));
            }
        }

        private void Filter(EventFilter filter, string path)
        {
            if (string.IsNullOrWhiteSpace(filter.Property))
            {
                Fail(RuleJson.Join(path, "property"), "Name the event property to filter on, e.g. \"category\".");
            }

            var type = filter.Value?.ValueKind switch
            {
                null or JsonValueKind.String => Types.Text,
                JsonValueKind.Number => Types.Number,
                _ => null,
            };
            if (type is null)
            {
                Fail(RuleJson.Join(path, "value"), "A filter value is a string (text operators) or a number (number operators).");
                return;
            }

            string[] allowed = type == Types.Number
                ? [EqualsTo, NotEquals, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual]
                : filter.Value is null ? [IsEmpty, IsNotEmpty] : [EqualsTo, NotEquals, Contains, NotContains, StartsWith, EndsWith];
            if (!allowed.Contains(filter.Operator))
            {
                Fail(RuleJson.Join(path, "operator"), $"With this value the operator is one of {List(allowed)}.");
                return;
            }

            Value(type, filter.Operator, filter.Value, RuleJson.Join(path, "value"));
        }

        private void Membership(MembershipCondition condition, string path)
        {
            if (!RuleOperators.Membership.Contains(condition.Operator))
            {
                Fail(RuleJson.Join(path, "operator"), "The operator of a segment condition is \"in\" or \"not_in\".");
            }

            if (condition.EnteredWithinDays is { } days)
            {
                if (condition.Operator != In)
                {
                    Fail(RuleJson.Join(path, "entered_within_days"), "entered_within_days only goes with \"in\".");
                }
                else
                {
                    DayCount(days, RuleJson.Join(path, "entered_within_days"));
                }
            }

            var segmentPath = RuleJson.Join(path, "segment");
            if (condition.Segment == context.SegmentId)
            {
                Fail(segmentPath, "A segment cannot include or exclude itself.");
            }
            else if (!context.Segments.ContainsKey(condition.Segment))
            {
                Fail(segmentPath, $"There is no segment {condition.Segment} in this workspace.");
            }
            else if (context.SegmentId is { } self && References(condition.Segment, self))
            {
                Fail(segmentPath, $"Segment {condition.Segment} already depends on this segment, so this would make a cycle.");
            }
        }

        /// <summary>Whether <paramref name="from"/>'s definition reaches <paramref name="target"/> through membership conditions.</summary>
        private bool References(Guid from, Guid target)
        {
            var seen = new HashSet<Guid>();
            var pending = new Stack<Guid>([from]);
            while (pending.TryPop(out var segment))
            {
                if (segment == target)
                {
                    return true;
                }

                if (seen.Add(segment) && context.Segments.TryGetValue(segment, out var references))
                {
                    foreach (var reference in references)
                    {
                        pending.Push(reference);
                    }
                }
            }

            return false;
        }

        private bool Operator(string op, string type, string what, string path)
        {
            var operators = For(type);
            if (string.IsNullOrEmpty(op))
            {
                Fail(RuleJson.Join(path, "operator"), $"Choose an operator: {List(operators)}.");
                return false;
            }

            if (!operators.Contains(op))
            {
                Fail(RuleJson.Join(path, "operator"), $"\"{op}\" does not apply to {what}; use one of {List(operators)}.");
                return false;
            }

            return true;
        }

        /// <summary>The value an operator of a type takes: its JSON kind, range and size.</summary>
        private void Value(string type, string op, JsonElement? value, string path)
        {
            if (op is IsEmpty or IsNotEmpty or AnniversaryToday)
            {
                if (value is not null)
                {
                    Fail(path, $"\"{op}\" takes no value.");
                }

                return;
            }

            if (value is not { } v)
            {
                Fail(path, "A value is required.");
                return;
            }

            switch (type, op)
            {
                case (Types.Text or Types.Choice or Types.Tags, In or NotIn or ContainsAny or ContainsAll):
                    Each(v, path, _limits.MaxListValues, Text);
                    break;
                case (Types.Text or Types.Choice or Types.Tags, _):
                    Text(v, path);
                    break;
                case (Types.Number, Between):
                    Range(v, path, TryNumber, "numbers");
                    break;
                case (Types.Number, In or NotIn):
                    Each(v, path, _limits.MaxListValues, (item, itemPath) => Number(item, itemPath));
                    break;
                case (Types.Number, _):
                    Number(v, path);
                    break;
                case (Types.Date or Types.DateTime, WithinDays or MoreThanDaysAgo or WithinNextDays):
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var days))
                    {
                        Fail(path, "Expected a whole number of days.");
                    }
                    else
                    {
                        DayCount(days, path);
                    }

                    break;
                case (Types.Date or Types.DateTime, MonthEquals):
                    if (!(v.ValueKind == JsonValueKind.String && v.GetString() == "current") && !IsMonth(v))
                    {
                        Fail(path, "Expected a month number from 1 to 12, or \"current\".");
                    }

                    break;
                case (Types.Date or Types.DateTime, MonthIn):
                    Each(v, path, 12, (item, itemPath) =>
                    {
                        if (!IsMonth(item))
                        {
                            Fail(itemPath, "Expected a month number from 1 to 12.");
                        }
                    });
                    break;
                case (Types.Date or Types.DateTime, Between):
                    Range(v, path, TryDate, "dates (\"YYYY-MM-DD\")");
                    break;
                case (Types.DateTime, Before or After) when v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 10:
                    if (!IsInstant(v.GetString()!))
                    {
                        Fail(path, "Expected a date (\"YYYY-MM-DD\") or an ISO-8601 instant with its offset (\"2026-11-24T09:00:00Z\").");
                    }

                    break;
                case (Types.Date or Types.DateTime, _):
                    if (TryDate(v) is null)
                    {
                        Fail(path, "Expected a date as \"YYYY-MM-DD\".");
                    }

                    break;
                case (Types.Boolean, _):
                    if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        Fail(path, "Expected true or false.");
                    }

                    break;
            }
        }

        private void Text(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                Fail(path, "Expected text.");
            }
            else if (value.GetString()!.Length == 0)
            {
                Fail(path, "Expected some text; to find contacts without a value, use \"is_empty\".");
            }
            else
            {
                Length(value.GetString()!, path);
            }
        }

        private void Number(JsonElement value, string path)
        {
            if (TryNumber(value) is null)
            {
                Fail(path, value.ValueKind == JsonValueKind.Number ? "The number is too large." : "Expected a number.");
            }
        }

        private void Each(JsonElement value, string path, int max, Action<JsonElement, string> check)
        {
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            {
                Fail(path, "Expected a list of at least one value.");
                return;
            }

            if (value.GetArrayLength() > max)
            {
                Fail(path, $"A list has at most {max} values; this one has {value.GetArrayLength()}.");
                return;
            }

            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                check(item, $"{path}[{i++}]");
            }
        }

        private void Range<T>(JsonElement value, string path, Func<JsonElement, T?> parse, string what)
            where T : struct, IComparable<T>
        {
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2)
            {
                Fail(path, $"Expected two {what}: [low, high].");
                return;
            }

            var (low, high) = (parse(value[0]), parse(value[1]));
            if (low is null || high is null)
            {
                Fail(low is null ? $"{path}[0]" : $"{path}[1]", $"Expected two {what}: [low, high].");
            }
            else if (low.Value.CompareTo(high.Value) > 0)
            {
                Fail(path, "The low end of the range is above the high end.");
            }
        }

        private void DayCount(int days, string path)
        {
            if (days < 0 || days > _limits.MaxDays)
            {
                Fail(path, $"Expected a number of days from 0 to {_limits.MaxDays}.");
            }
        }

        private void Length(string text, string path)
        {
            if (text.Length > _limits.MaxStringLength)
            {
                Fail(path, $"At most {_limits.MaxStringLength} characters; this has {text.Length}.");
            }
        }

        private static decimal? TryNumber(JsonElement value) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number) ? number : null;

        private static DateOnly? TryDate(JsonElement value) =>
            value.ValueKind == JsonValueKind.String
            && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date
                : null;

        private static bool IsInstant(string text) =>
            text.Length > 10 && text[10] == 'T'
            && (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

        private static bool IsMonth(JsonElement value) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var month) && month is >= 1 and <= 12;

        private static string List(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));

        private void Fail(string path, string message) =>
            validation.AddFailure(new ValidationFailure(path.Length == 0 ? "definition" : path, message));
    }
}
