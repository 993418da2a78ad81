using Segmenter.Core.Rules;

namespace Segmenter.Web.Components.Builder;

/// <summary>How the builder words the rule language's operators and event aggregates.</summary>
public static class BuilderLabels
{
    public static string Operator(string? op) => op switch
    {
        RuleOperators.EqualsTo => "is",
        RuleOperators.NotEquals => "is not",
        RuleOperators.Contains => "contains",
        RuleOperators.NotContains => "does not contain",
        RuleOperators.StartsWith => "starts with",
        RuleOperators.EndsWith => "ends with",
        RuleOperators.In => "is any of",
        RuleOperators.NotIn => "is none of",
        RuleOperators.IsEmpty => "is empty",
        RuleOperators.IsNotEmpty => "is not empty",
        RuleOperators.GreaterThan => "is more than",
        RuleOperators.GreaterThanOrEqual => "is at least",
        RuleOperators.LessThan => "is less than",
        RuleOperators.LessThanOrEqual => "is at most",
        RuleOperators.Between => "is between",
        RuleOperators.Before => "is before",
        RuleOperators.After => "is after",
        RuleOperators.WithinDays => "is in the last … days",
        RuleOperators.MoreThanDaysAgo => "is more than … days ago",
        RuleOperators.WithinNextDays => "is in the next … days",
        RuleOperators.AnniversaryToday => "has its anniversary today",
        RuleOperators.MonthEquals => "is in the month",
        RuleOperators.MonthIn => "is in one of the months",
        RuleOperators.ContainsAny => "contains any of",
        RuleOperators.ContainsAll => "contains all of",
        null => "",
        _ => op.Replace('_', ' '),
    };

    public static string Aggregate(string aggregate) => aggregate switch
    {
        EventCondition.Count => "Number of times",
        EventCondition.Sum => "Total",
        EventCondition.Avg => "Average",
        EventCondition.Min => "Smallest",
        EventCondition.Max => "Largest",
        EventCondition.FirstAt => "First time",
        EventCondition.LastAt => "Last time",
        _ => aggregate,
    };
}
