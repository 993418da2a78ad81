namespace Segmenter.Core.Data;

/// <summary>One key of ASP.NET Core's data-protection key ring, as the XML it writes (table <c>data_protection_keys</c>).</summary>
public sealed class DataProtectionKey
{
    public int Id { get; init; }

    public string? FriendlyName { get; init; }

    public required string Xml { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
