namespace Segmenter.Core.Contacts;

public static class ContactStatus
{
    public const string Subscribed = "subscribed";
    public const string Unsubscribed = "unsubscribed";
    public const string Bounced = "bounced";
    public const string Pending = "pending";

    public static IReadOnlyList<string> All { get; } = [Subscribed, Unsubscribed, Bounced, Pending];
}
