using System.Text.Json;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>Something a contact did at an instant (<c>email_opened</c>, <c>purchase</c> with an amount, ...).</summary>
public sealed class ContactEvent : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required Guid ContactId { get; init; }

    public required string Type { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public JsonDocument Properties { get; init; } = JsonDocument.Parse("{}");
}
