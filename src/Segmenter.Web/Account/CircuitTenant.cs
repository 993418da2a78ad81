using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Segmenter.Core.Tenancy;

namespace Segmenter.Web.Account;

/// <summary>
/// A Blazor circuit is a DI scope of its own, apart from the request that opened it: this sets its tenant
/// from the signed-in user as soon as the connection is up, before any component asks for data. A circuit
/// keeps its first tenant: when it reconnects with a cookie for another tenant (switched in another tab),
/// <see cref="TenantScopes"/> refuses its work instead.
/// </summary>
internal sealed class CircuitTenant(AuthenticationStateProvider authentication, TenantContext tenant) : CircuitHandler
{
    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        if (tenant.TenantId is null && TenantRoleClaims.TenantOf(state.User) is { } tenantId)
        {
            tenant.Use(tenantId);
        }
    }
}
