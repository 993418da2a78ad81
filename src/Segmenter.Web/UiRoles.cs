using Segmenter.Core.Tenancy;

namespace Segmenter.Web;

/// <summary>Who opens which page (DESIGN section 6), as role lists for <c>[Authorize(Roles = …)]</c>.</summary>
internal static class UiRoles
{
    public const string Everyone = $"{TenantRole.Admin},{TenantRole.Marketer},{TenantRole.Sender}";

    /// <summary>Contacts, and changes to segments: not senders, who read segments and build audiences.</summary>
    public const string Editors = $"{TenantRole.Admin},{TenantRole.Marketer}";

    public const string Admins = TenantRole.Admin;
}
