using FluentValidation;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Rules;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Membership;

/// <summary>
/// The background job that refreshes one dynamic segment. Its arguments are ids only; it sets the tenant
/// itself and is reentrant: a retry, or a second copy, gives the same members. A failure is recorded on the
/// segment by the engine; after the retries the job is deleted, which releases the segments queued behind
/// it, and the next sweep tries again.
/// </summary>
public sealed class RefreshJob(IServiceScopeFactory scopes)
{
    [JobDisplayName("Refresh segment {1} of tenant {0}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [10, 30, 60], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task RunAsync(Guid tenantId, Guid segmentId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        try
        {
            await scope.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segmentId, cancellationToken);
        }
        catch (Exception settled) when (settled is NotFoundException or ConflictException or ValidationException or RuleJsonException)
        {
            // Deleted, made static or invalid since the sweep queued it: the segment already says so, and no retry can change it.
        }
    }
}
