using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Fields;

/// <summary>A tenant's custom contact field; its values live in <c>contacts.attributes</c> under <see cref="Key"/>.</summary>
public sealed class FieldDefinition : ITenantOwned
{
    public required Guid TenantId { get; init; }

    /// <summary><c>^[a-z][a-z0-9_]{0,62}$</c>, never a built-in key.</summary>
    public required string Key { get; init; }

    public required string Label { get; set; }

    /// <summary>One of <see cref="FieldType"/>.</summary>
    public required string Type { get; init; }

    /// <summary>The allowed values of a <see cref="FieldType.Choice"/> field; empty for other types.</summary>
    public List<string> Options { get; set; } = [];

    public DateTimeOffset CreatedAt { get; init; }
}
