namespace Segmenter.Core.Tenancy;

public sealed class Tenant
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    /// <summary>Unique, URL-safe short name (<c>demo</c>).</summary>
    public required string Slug { get; set; }

    /// <summary>IANA time zone that "today" and every calendar rule is evaluated in.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// The cluster holding the tenant's data (a name under <c>Segmenter:Shards</c>), or null for home. Read from
    /// the home cluster's row, the tenant catalogue; fixed once the tenant exists.
    /// </summary>
    public string? Shard { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
