using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>
/// A contact's events of one type rolled up: how many, the first and the last instant. Kept by triggers on
/// <c>contact_events</c> in the statement that writes the events (migration <c>EventTotals</c>), so it is never
/// behind them. It counts every event, future ones included; the translator uses it only where that is exact
/// (a contact whose last event is not after now), and reads the events themselves for the others.
/// </summary>
public sealed class ContactEventTotal : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public required Guid ContactId { get; init; }

    public required string Type { get; init; }

    public long Count { get; init; }

    public DateTimeOffset FirstAt { get; init; }

    public DateTimeOffset LastAt { get; init; }
}
