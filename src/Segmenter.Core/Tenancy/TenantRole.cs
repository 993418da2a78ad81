namespace Segmenter.Core.Tenancy;

public static class TenantRole
{
    public const string Admin = "admin";
    public const string Marketer = "marketer";
    public const string Sender = "sender";

    public static IReadOnlyList<string> All { get; } = [Admin, Marketer, Sender];
}
