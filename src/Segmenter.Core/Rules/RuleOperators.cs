namespace Segmenter.Core.Rules;

/// <summary>The operators of the rule language and which value types accept which (DESIGN section 4).</summary>
public static class RuleOperators
{
    public const string EqualsTo = "equals";
    public const string NotEquals = "not_equals";
    public const string Contains = "contains";
    public const string NotContains = "not_contains";
    public const string StartsWith = "starts_with";
    public const string EndsWith = "ends_with";
    public const string In = "in";
    public const string NotIn = "not_in";
    public const string IsEmpty = "is_empty";
    public const string IsNotEmpty = "is_not_empty";
    public const string GreaterThan = "greater_than";
    public const string GreaterThanOrEqual = "greater_than_or_equal";
    public const string LessThan = "less_than";
    public const string LessThanOrEqual = "less_than_or_equal";
    public const string Between = "between";
    public const string Before = "before";
    public const string After = "after";
    public const string WithinDays = "within_days";
    public const string MoreThanDaysAgo = "more_than_days_ago";
    public const string WithinNextDays = "within_next_days";
    public const string AnniversaryToday = "anniversary_today";
    public const string MonthEquals = "month_equals";
    public const string MonthIn = "month_in";
    public const string ContainsAny = "contains_any";
    public const string ContainsAll = "contains_all";

    /// <summary>The value types of fields, event aggregates and event filters.</summary>
    public static class Types
    {
        public const string Text = "text";
        public const string Choice = "choice";
        public const string Number = "number";
        public const string Date = "date";
        public const string DateTime = "datetime";
        public const string Boolean = "boolean";
        public const string Tags = "tags";
    }

    private static readonly string[] TextOperators =
        [EqualsTo, NotEquals, Contains, NotContains, StartsWith, EndsWith, In, NotIn, IsEmpty, IsNotEmpty];

    private static readonly string[] NumberOperators =
        [EqualsTo, NotEquals, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual, Between, In, NotIn, IsEmpty, IsNotEmpty];

    private static readonly string[] DateOperators =
        [EqualsTo, NotEquals, Before, After, Between, WithinDays, MoreThanDaysAgo, WithinNextDays, AnniversaryToday, MonthEquals, MonthIn, IsEmpty, IsNotEmpty];

    private static readonly string[] BooleanOperators = [EqualsTo, NotEquals, IsEmpty, IsNotEmpty];

    private static readonly string[] TagOperators = [Contains, NotContains, ContainsAny, ContainsAll, IsEmpty, IsNotEmpty];

    /// <summary>Membership conditions.</summary>
    public static IReadOnlyList<string> Membership { get; } = [In, NotIn];

    /// <summary>The operators a value of <paramref name="type"/> accepts, in the order the builder lists them.</summary>
    public static IReadOnlyList<string> For(string type) => type switch
    {
        Types.Text or Types.Choice => TextOperators,
        Types.Number => NumberOperators,
        Types.Date or Types.DateTime => DateOperators,
        Types.Boolean => BooleanOperators,
        Types.Tags => TagOperators,
        _ => [],
    };

    /// <summary>The value type an event aggregate yields.</summary>
    public static string AggregateType(string aggregate) =>
        aggregate is EventCondition.FirstAt or EventCondition.LastAt ? Types.DateTime : Types.Number;
}
