using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Segmenter.Core.Tenancy;

namespace Segmenter.Web.Account;

/// <summary>
/// A circuit keeps the principal of the request that opened it; this re-reads the membership every minute
/// and signs the circuit out when the user left the tenant or their role there changed, so an open tab
/// never acts on a role the user no longer has for longer than <see cref="RevalidationInterval"/>.
/// </summary>
internal sealed class TenantRevalidation(ILoggerFactory loggers, IServiceScopeFactory scopes)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var user = authenticationState.User;
        if (TenantRoleClaims.TenantOf(user) is not { } tenantId || TenantRoleClaims.UserOf(user) is not { } userId)
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var membership = await scope.ServiceProvider.GetRequiredService<TenantMemberships>().FindAsync(userId, tenantId, cancellationToken);
        return membership is not null && user.IsInRole(membership.Role);
    }
}
