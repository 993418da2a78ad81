using Segmenter.Core.Rules;

namespace Segmenter.Web.Components.Builder;

/// <summary>
/// The segment builder's editable tree. The rule language's records are immutable and say only what a
/// definition means; these say what the form holds while a marketer edits it (a rule with no field yet,
/// a value half typed), and turn into a <see cref="RuleGroup"/> for every count and save.
/// </summary>
public abstract class BuilderNode
{
    private static int s_lastKey;

    /// <summary>Identifies the node across renders, so editors keep their state when siblings move.</summary>
    public int Key { get; } = Interlocked.Increment(ref s_lastKey);

    public abstract RuleNode ToRule();

    public static BuilderNode Of(RuleNode node, RuleChoices options) => node switch
    {
        RuleGroup group => BuilderGroup.From(group, options),
        _ => BuilderRule.From(node, options),
    };
}

/// <summary>A group of rules joined by AND or OR, optionally negated ("none of").</summary>
public sealed class BuilderGroup : BuilderNode
{
    public string Logic { get; set; } = RuleGroup.And;

    public bool Negate { get; set; }

    public List<BuilderNode> Rules { get; } = [];

    /// <summary>A group holding one rule still to be picked: what "Add group" creates.</summary>
    public static BuilderGroup WithBlankRule() => new() { Rules = { new BuilderRule() } };

    public static BuilderGroup From(RuleGroup group, RuleChoices options)
    {
        var builder = new BuilderGroup { Logic = group.Logic, Negate = group.Negate };
        builder.Rules.AddRange(group.Rules.Select(rule => Of(rule, options)));
        return builder;
    }

    public override RuleGroup ToRule() => new(Logic, [.. Rules.Select(r => r.ToRule())], Negate);

    /// <summary>This group and every node under it with its JSON path, depth first.</summary>
    public IEnumerable<(string Path, BuilderNode Node)> NodesWithPaths(string path = "")
    {
        yield return (path, this);
        for (var i = 0; i < Rules.Count; i++)
        {
            var childPath = BuilderPaths.Child(path, i);
            if (Rules[i] is BuilderGroup group)
            {
                foreach (var nested in group.NodesWithPaths(childPath))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return (childPath, Rules[i]);
            }
        }
    }

    /// <summary>Every rule of the tree with its JSON path, depth first.</summary>
    public IEnumerable<(string Path, BuilderRule Rule)> RulesWithPaths() =>
        NodesWithPaths().Where(n => n.Node is BuilderRule).Select(n => (n.Path, (BuilderRule)n.Node));
}

/// <summary>What a rule tests: a contact field, an aggregate of one event type, or membership of a segment.</summary>
public enum RuleSubjectKind
{
    None,
    Field,
    Event,
    Membership,
}

/// <summary>One condition as the form holds it. Changing what it tests resets the operator and value to fit.</summary>
public sealed class BuilderRule : BuilderNode
{
    public RuleSubjectKind Kind { get; private set; }

    /// <summary>The field key (<see cref="RuleSubjectKind.Field"/>) or event type (<see cref="RuleSubjectKind.Event"/>).</summary>
    public string? Target { get; private set; }

    public string Operator { get; private set; } = "";

    public RuleValue Value { get; private set; } = new();

    /// <summary>The input the value needs, following the subject, aggregate and operator.</summary>
    public ValueEditor Editor { get; private set; }

    public string Aggregate { get; private set; } = EventCondition.Count;

    public string? Property { get; set; }

    public int? WithinDays { get; set; }

    /// <summary>An event condition's property filters, kept as loaded (the form shows them but does not edit them).</summary>
    public IReadOnlyList<EventFilter> Where { get; private set; } = [];

    public Guid? Segment { get; set; }

    public int? EnteredWithinDays { get; set; }

    /// <summary>Set once the marketer edits the value, after which its validation messages show while typing.</summary>
    public bool Touched { get; set; }

    public bool IsBlank => Kind == RuleSubjectKind.None;

    /// <summary>The picker's value: <c>field:KEY</c>, <c>event:TYPE</c> or <c>segment</c>; null while blank.</summary>
    public string? Subject => Kind switch
    {
        RuleSubjectKind.Field => BuilderSubjects.Field(Target!),
        RuleSubjectKind.Event => BuilderSubjects.Event(Target!),
        RuleSubjectKind.Membership => BuilderSubjects.Membership,
        _ => null,
    };

    /// <summary>The type of the value the operator compares with, or null for membership (and a field the tenant does not have).</summary>
    public string? ValueType(RuleChoices options) => Kind switch
    {
        RuleSubjectKind.Field => options.Catalog.Find(Target!)?.Type,
        RuleSubjectKind.Event => RuleOperators.AggregateType(Aggregate),
        _ => null,
    };

    public IReadOnlyList<string> Operators(RuleChoices options) => Kind switch
    {
        RuleSubjectKind.Membership => RuleOperators.Membership,
        _ => ValueType(options) is { } type ? RuleOperators.For(type) : [],
    };

    /// <summary>The options of a choice field (empty for anything else).</summary>
    public IReadOnlyList<string> Options(RuleChoices options) =>
        Kind == RuleSubjectKind.Field ? options.Catalog.Find(Target!)?.Options ?? [] : [];

    /// <summary>Tests another field, event or segment: the first operator that fits and an empty value.</summary>
    public void Choose(string subject, RuleChoices options)
    {
        (Kind, Target) = BuilderSubjects.Parse(subject);
        (Aggregate, Property, WithinDays, Where, Segment, EnteredWithinDays) = (EventCondition.Count, null, null, [], null, null);
        Operator = Kind == RuleSubjectKind.Event ? RuleOperators.GreaterThanOrEqual : FirstOperator(options);
        Value = Kind == RuleSubjectKind.Event ? RuleValue.Of(1m) : new RuleValue();
        Editor = EditorFor(options);
        Touched = false;
    }

    /// <summary>Another operator keeps the value when its editor is the same kind, and clears it otherwise.</summary>
    public void ChooseOperator(string @operator, RuleChoices options)
    {
        Operator = @operator;
        var editor = EditorFor(options);
        if (editor != Editor)
        {
            (Editor, Value) = (editor, new RuleValue());
        }

        if (@operator != RuleOperators.In)
        {
            EnteredWithinDays = null;
        }
    }

    /// <summary>Another aggregate: a property only for sum/avg/min/max, and a fresh operator when the value type changes.</summary>
    public void ChooseAggregate(string aggregate, RuleChoices options)
    {
        var typeBefore = ValueType(options);
        Aggregate = aggregate;
        if (!EventCondition.PropertyAggregates.Contains(aggregate))
        {
            Property = null;
        }

        if (ValueType(options) != typeBefore)
        {
            Operator = FirstOperator(options);
            (Editor, Value) = (EditorFor(options), new RuleValue());
        }
    }

    public override RuleNode ToRule() => Kind switch
    {
        RuleSubjectKind.Event => new EventCondition(Target!, Aggregate, Property, WithinDays, Where, Operator, Value.ToJson(Editor)),
        RuleSubjectKind.Membership => new MembershipCondition(Segment ?? Guid.Empty, Operator, EnteredWithinDays),
        _ => new FieldCondition(Target ?? "", Operator, Value.ToJson(Editor)),
    };

    private string FirstOperator(RuleChoices options) => Operators(options) is [var first, ..] ? first : "";

    private ValueEditor EditorFor(RuleChoices options) => Kind switch
    {
        RuleSubjectKind.Field or RuleSubjectKind.Event => ValueEditors.For(ValueType(options), Operator, Options(options).Count > 0),
        _ => ValueEditor.None,
    };

    public static BuilderRule From(RuleNode node, RuleChoices options)
    {
        var rule = new BuilderRule();
        switch (node)
        {
            case FieldCondition field:
                (rule.Kind, rule.Target, rule.Operator) = (RuleSubjectKind.Field, field.Field, field.Operator);
                break;
            case EventCondition e:
                (rule.Kind, rule.Target, rule.Operator) = (RuleSubjectKind.Event, e.Event, e.Operator);
                (rule.Aggregate, rule.Property, rule.WithinDays, rule.Where) = (e.Aggregate, e.Property, e.WithinDays, e.Where);
                break;
            case MembershipCondition m:
                (rule.Kind, rule.Operator, rule.Segment, rule.EnteredWithinDays) = (RuleSubjectKind.Membership, m.Operator, m.Segment, m.EnteredWithinDays);
                return rule;
            default:
                throw new ArgumentException($"{node.GetType().Name} is not a condition.", nameof(node));
        }

        rule.Editor = rule.EditorFor(options);
        rule.Value = RuleValue.From(rule.Editor, node switch
        {
            FieldCondition field => field.Value,
            EventCondition e => e.Value,
            _ => null,
        });
        return rule;
    }
}

/// <summary>The picker's encoding of what a rule tests.</summary>
public static class BuilderSubjects
{
    public const string Membership = "segment";

    public static string Field(string key) => $"field:{key}";

    public static string Event(string type) => $"event:{type}";

    public static (RuleSubjectKind Kind, string? Key) Parse(string subject) => subject switch
    {
        Membership => (RuleSubjectKind.Membership, null),
        _ when subject.StartsWith("field:", StringComparison.Ordinal) => (RuleSubjectKind.Field, subject["field:".Length..]),
        _ when subject.StartsWith("event:", StringComparison.Ordinal) => (RuleSubjectKind.Event, subject["event:".Length..]),
        _ => throw new ArgumentException($"'{subject}' is not a field, event or segment.", nameof(subject)),
    };
}

/// <summary>JSON paths of the tree, as the validator writes them (<c>rules[1].rules[0]</c>; the root is empty).</summary>
public static class BuilderPaths
{
    public static string Child(string groupPath, int index) => $"{RuleJson.Join(groupPath, "rules")}[{index}]";

    /// <summary>
    /// Whether a validator message at <paramref name="errorPath"/> belongs to the node at <paramref name="nodePath"/>:
    /// its own path or one of its properties (<c>.value</c>, <c>.where[0].value</c>), but not a nested rule's.
    /// </summary>
    public static bool Owns(string nodePath, string errorPath, bool isGroup)
    {
        if (errorPath == nodePath)
        {
            return true;
        }

        var prefix = nodePath.Length == 0 ? "" : nodePath + ".";
        if (!errorPath.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        return !isGroup || !errorPath[prefix.Length..].StartsWith("rules[", StringComparison.Ordinal);
    }
}
