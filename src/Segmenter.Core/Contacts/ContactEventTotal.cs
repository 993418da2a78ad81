using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>
/// A contact's events of one type rolled up: how many, the first and the last instant, and the latest
/// <see cref="LatestKept"/> instants. Kept by triggers on <c>contact_events</c> in the statement that writes the
/// events (migrations <c>EventTotals</c> and <c>LatestEventInstants</c>), so it is never behind them. It counts
/// every event, future ones included; the translator uses it only where that is exact (a contact whose last
/// event is not after now), and reads the events themselves for the others.
/// </summary>
public sealed class ContactEventTotal : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public required Guid ContactId { get; init; }

    public required string Type { get; init; }

    public long Count { get; init; }

    public DateTimeOffset FirstAt { get; init; }

    public DateTimeOffset LastAt { get; init; }

    /// <summary>
    /// The latest <see cref="LatestKept"/> instants (all of them when there are fewer), newest first. For a
    /// contact whose last event is by now, "at least k events since t" (k up to <see cref="LatestKept"/>) is
    /// <c>Latest[k - 1] >= t</c>: a window's count threshold read from one row, not counted from the events.
    /// </summary>
    public DateTimeOffset[] Latest { get; init; } = [];

    /// <summary>How many of the latest instants <see cref="Latest"/> keeps; the triggers keep the same number.</summary>
    public const int LatestKept = 8;
}
