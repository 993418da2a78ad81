using Segmenter.Core.Tenancy;

namespace Segmenter.Web;

/// <summary>
/// Runs a piece of UI work in a DI scope of its own that acts for the circuit's tenant. A circuit is one
/// long scope whose components load side by side, and one DbContext cannot serve two queries at once.
/// </summary>
internal sealed class TenantScopes(IServiceScopeFactory scopes, TenantContext circuitTenant)
{
    public async Task<TResult> RunAsync<TService, TResult>(Func<TService, Task<TResult>> work)
        where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        if (circuitTenant.TenantId is { } tenantId)
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        }

        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public Task RunAsync<TService>(Func<TService, Task> work)
        where TService : notnull =>
        RunAsync<TService, bool>(async service =>
        {
            await work(service);
            return true;
        });
}
