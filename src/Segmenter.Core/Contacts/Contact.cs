using System.Text.Json;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

public sealed class Contact : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required string Email { get; set; }

    /// <summary><c>lower(email)</c>, computed by PostgreSQL; the per-tenant unique key that upserts match on.</summary>
    public string EmailNormalized { get; private set; } = null!;

    public string? FirstName { get; set; }

    public string? LastName { get; set; }

    public string? Phone { get; set; }

    /// <summary>One of <see cref="ContactStatus"/>.</summary>
    public string Status { get; set; } = ContactStatus.Subscribed;

    public string? Country { get; set; }

    public string? City { get; set; }

    public string? TimeZone { get; set; }

    public DateOnly? Birthday { get; set; }

    public DateTimeOffset? SubscribedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<string> Tags { get; set; } = [];

    /// <summary>Custom field values by key, typed as <see cref="Fields.AttributeValues"/> writes them.</summary>
    public JsonDocument Attributes { get; set; } = JsonDocument.Parse("{}");

    public ICollection<ContactEvent> Events { get; } = [];

    /// <summary>The contact's events rolled up per type (<see cref="ContactEventTotal"/>).</summary>
    public ICollection<ContactEventTotal> EventTotals { get; } = [];

    public ICollection<SegmentMember> Memberships { get; } = [];
}
