using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Demo;

/// <summary>The development demo tenant (<c>Segmenter:Demo</c>).</summary>
public sealed class DemoOptions
{
    public string Slug { get; set; } = "demo";

    public string Name { get; set; } = "Demo Outfitters";

    public string TimeZone { get; set; } = "America/New_York";

    public int Contacts { get; set; } = 10_000;

    /// <summary>The same seed always yields the same contacts, attributes and events (relative to now).</summary>
    public int Seed { get; set; } = 20_261_124;

    public string Password { get; set; } = "Segmenter!demo1";

    public static IReadOnlyList<(string Email, string Role)> Users { get; } =
    [
        ("admin@demo.local", TenantRole.Admin),
        ("marketer@demo.local", TenantRole.Marketer),
        ("sender@demo.local", TenantRole.Sender),
    ];
}
