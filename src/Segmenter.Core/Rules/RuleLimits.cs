namespace Segmenter.Core.Rules;

/// <summary>The limits of a segment definition (configuration section <c>Segmenter:Limits</c>).</summary>
public sealed class RuleLimits
{
    public const string Section = "Segmenter:Limits";

    /// <summary>Field, event and membership conditions in one definition (groups and event filters do not count).</summary>
    public int MaxConditions { get; set; } = 20;

    /// <summary>Nesting depth; the root group is depth 1.</summary>
    public int MaxDepth { get; set; } = 5;

    public int MaxListValues { get; set; } = 1000;

    public int MaxStringLength { get; set; } = 1000;

    /// <summary>The largest N of within_days, more_than_days_ago, within_next_days and entered_within_days.</summary>
    public int MaxDays { get; set; } = 36500;

    /// <summary>How long, in milliseconds, one count or preview query may run before the database stops it (its statement timeout).</summary>
    public int QueryTimeoutMs { get; set; } = 15_000;
}
