using Microsoft.AspNetCore.Components.Authorization;
using Segmenter.Core.Audit;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.Web.Account;

namespace Segmenter.Web;

/// <summary>
/// Runs a piece of UI work in a DI scope of its own that acts for the circuit's tenant. A circuit is one
/// long scope whose components load side by side, and one DbContext cannot serve two queries at once.
/// The work is refused when the circuit's user now acts for another tenant than the circuit does (a
/// reconnect after a tenant switch in another tab) or was signed out by <see cref="TenantRevalidation"/>.
/// </summary>
internal sealed class TenantScopes(IServiceScopeFactory scopes, TenantContext circuitTenant, AuthenticationStateProvider authentication)
{
    public Task<TResult> RunAsync<TService, TResult>(Func<TService, Task<TResult>> work)
        where TService : notnull =>
        InScopeAsync(services => work(services.GetRequiredService<TService>()));

    /// <summary>
    /// As <see cref="RunAsync{TService, TResult}"/>, with the service that reads from the tenant's read replica
    /// while it is current (previews, counts, member lists; docs/scaling.md).
    /// </summary>
    public Task<TResult> ReadAsync<TService, TResult>(Func<TService, Task<TResult>> work)
        where TService : notnull =>
        InScopeAsync(services => work(services.GetRequiredKeyedService<TService>(DatabaseRoute.TenantReplica)));

    private async Task<TResult> InScopeAsync<TResult>(Func<IServiceProvider, Task<TResult>> work)
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        if (circuitTenant.TenantId is not { } tenantId || TenantRoleClaims.TenantOf(user) != tenantId)
        {
            throw new TenantIsolationException("This page acts for a workspace you are no longer signed in to; reload it.");
        }

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        scope.ServiceProvider.GetRequiredService<AuditActor>().Use(AuditActor.User, TenantRoleClaims.UserOf(user), user.Identity?.Name ?? AuditActor.User);

        return await work(scope.ServiceProvider);
    }

    public Task RunAsync<TService>(Func<TService, Task> work)
        where TService : notnull =>
        RunAsync<TService, bool>(async service =>
        {
            await work(service);
            return true;
        });
}
