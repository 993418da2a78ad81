namespace Segmenter.Core.Membership;

/// <summary>How dynamic segments are kept current (configuration section <c>Segmenter:Refresh</c>).</summary>
public sealed class RefreshOptions
{
    public const string Section = "Segmenter:Refresh";

    /// <summary>When the sweep re-evaluates every dynamic segment of every tenant (Hangfire cron, 5 or 6 fields).</summary>
    public string Cron { get; set; } = "*/5 * * * *";

    /// <summary>The longest one refresh may run before PostgreSQL cancels it and the failure is recorded.</summary>
    public int TimeoutSeconds { get; set; } = 300;

    /// <summary>How long the real-time path gathers contact writes into one re-evaluation.</summary>
    public int RealtimeBatchMilliseconds { get; set; } = 20;
}
