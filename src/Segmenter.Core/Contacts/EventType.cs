using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>
/// An event type a tenant has sent at least once, for the builder's event picker. Kept by a statement
/// trigger on <c>contact_events</c>, so every way of writing events adds to it; deleting events leaves it.
/// </summary>
public sealed class EventType : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public required string Type { get; init; }
}
