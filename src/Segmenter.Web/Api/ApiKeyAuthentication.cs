using System.Security.Claims;
using Segmenter.Core.Audit;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Tenancy;

namespace Segmenter.Web.Api;

/// <summary>
/// <c>Authorization: Bearer sgk_…</c>: a valid key signs the request in as its tenant and role, and sets
/// the request's tenant context, so every query of the request is scoped to the key's tenant.
/// </summary>
internal sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantClaim = "tenant_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var identity = await Context.RequestServices.GetRequiredService<ApiKeys>()
            .AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        Context.RequestServices.GetRequiredService<AuditActor>().Use(AuditActor.ApiKey, identity.KeyId, $"API key '{identity.Name}'");
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, identity.KeyId.ToString()),
                new Claim(ClaimTypes.Role, identity.Role),
                new Claim(TenantClaim, identity.TenantId.ToString()),
            ],
            SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
