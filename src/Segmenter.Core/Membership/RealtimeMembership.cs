using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Membership;

/// <summary>
/// The real-time path: contacts written by any service are re-evaluated against their tenant's dynamic
/// segments moments after the write, without waiting for the sweep. Writes are gathered for a few
/// milliseconds and merged per tenant, so a burst of single writes costs one evaluation per segment, not
/// one per write. Nothing here is durable: after a crash the next sweep brings every segment up to date.
/// </summary>
public sealed partial class RealtimeMembership(
    IServiceScopeFactory scopes,
    IOptions<RefreshOptions> options,
    ILogger<RealtimeMembership> logger) : BackgroundService
{
    /// <summary>The most contacts evaluated by one statement; larger writes are split.</summary>
    private const int ChunkSize = 5000;

    private readonly Channel<(Guid TenantId, Guid[] ContactIds)> _writes =
        Channel.CreateUnbounded<(Guid, Guid[])>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Called after contacts or their events were written and committed.</summary>
    public void ContactsChanged(Guid tenantId, IEnumerable<Guid> contactIds)
    {
        var ids = contactIds.Distinct().ToArray();
        if (ids.Length > 0)
        {
            _writes.Writer.TryWrite((tenantId, ids));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var window = TimeSpan.FromMilliseconds(options.Value.RealtimeBatchMilliseconds);
        while (await _writes.Reader.WaitToReadAsync(stoppingToken))
        {
            await Task.Delay(window, stoppingToken);
            var pending = new Dictionary<Guid, HashSet<Guid>>();
            while (_writes.Reader.TryRead(out var write))
            {
                (pending.TryGetValue(write.TenantId, out var ids) ? ids : pending[write.TenantId] = []).UnionWith(write.ContactIds);
            }

            foreach (var (tenantId, contactIds) in pending)
            {
                foreach (var chunk in contactIds.Chunk(ChunkSize))
                {
                    await ReevaluateAsync(tenantId, chunk, stoppingToken);
                }
            }
        }
    }

    private async Task ReevaluateAsync(Guid tenantId, Guid[] contactIds, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            await scope.ServiceProvider.GetRequiredService<MembershipEngine>().ReevaluateContactsAsync(contactIds, stoppingToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // One tenant's failure must not stop the others; the sweep corrects what this pass missed.
            LogFailed(logger, failure, tenantId, contactIds.Length);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Real-time re-evaluation of {Count} contacts of tenant {TenantId} failed")]
    private static partial void LogFailed(ILogger logger, Exception failure, Guid tenantId, int count);
}
