using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Segmenter.Core.Tenancy;
using Segmenter.Web.Api;

namespace Segmenter.Web.Account;

/// <summary>
/// Adds the signed-in user's role in the cookie's tenant, read from <c>tenant_users</c> once per request; a
/// user no longer in that tenant loses the tenant claim, and with it every page.
/// </summary>
internal sealed class TenantRoleClaims(TenantMemberships memberships) : IClaimsTransformation
{
    public const string TenantNameClaim = "tenant_name";

    private ClaimsPrincipal? _transformed;

    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        var cookie = principal.Identities.FirstOrDefault(i => i.AuthenticationType == IdentityConstants.ApplicationScheme);
        if (cookie is null
            || !Guid.TryParse(cookie.FindFirst(ApiKeyAuthentication.TenantClaim)?.Value, out var tenantId)
            || !Guid.TryParse(cookie.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var userId))
        {
            return principal;
        }

        if (_transformed is not null)
        {
            return _transformed;
        }

        var membership = await memberships.FindAsync(userId, tenantId, CancellationToken.None);
        var identity = cookie.Clone();
        if (membership is null)
        {
            identity.RemoveClaim(identity.FindFirst(ApiKeyAuthentication.TenantClaim));
        }
        else
        {
            identity.AddClaim(new Claim(identity.RoleClaimType, membership.Role));
            identity.AddClaim(new Claim(TenantNameClaim, membership.TenantName));
        }

        return _transformed = new ClaimsPrincipal(identity);
    }

    /// <summary>The signed-in user's id, or null for a visitor or an API key.</summary>
    public static Guid? UserOf(ClaimsPrincipal user) =>
        user.Identities.Any(i => i.AuthenticationType == IdentityConstants.ApplicationScheme)
        && Guid.TryParse(user.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var id)
            ? id
            : null;

    /// <summary>The tenant a principal signed in through the cookie acts for, once its membership was confirmed.</summary>
    public static Guid? TenantOf(ClaimsPrincipal user) =>
        user.IsInRole(TenantRole.Admin) || user.IsInRole(TenantRole.Marketer) || user.IsInRole(TenantRole.Sender)
            ? Guid.TryParse(user.FindFirst(ApiKeyAuthentication.TenantClaim)?.Value, out var id) ? id : null
            : null;
}
