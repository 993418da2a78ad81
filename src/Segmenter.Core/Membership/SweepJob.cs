using System.Linq.Expressions;
using System.Text.Json;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Segments;

namespace Segmenter.Core.Membership;

/// <summary>
/// The recurring sweep: one <see cref="RefreshJob"/> per dynamic segment of every tenant, so time-based
/// rules stay true. Segments that share no reference run side by side on any worker of any node; segments
/// linked by references are queued one after another in dependency order (each a continuation of the one
/// before), so a segment is refreshed only after every segment it reads. Every cluster's segments are swept,
/// and each job runs on the cluster of its tenant.
/// </summary>
public sealed class SweepJob(IDbContextFactory<SegmenterDbContext> contexts, DatabaseTopology topology, IBackgroundJobClient jobs)
{
    public const string RecurringJobId = "segmenter-sweep";

    /// <returns>How many refresh jobs were queued.</returns>
    [JobDisplayName("Sweep: refresh every dynamic segment of every tenant")]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // It lists every tenant's work; each job then acts for one tenant.
        var segments = await ListAllAsync(cancellationToken);

        var queued = 0;
        foreach (var tenant in segments.GroupBy(s => s.TenantId))
        {
            var graph = SegmentGraph.From(tenant.Select(s => (s.Id, s.Type, s.Definition)));
            foreach (var chain in graph.IndependentChains())
            {
                string? previous = null;
                foreach (var segment in chain.Where(s => s.Type == SegmentType.Dynamic))
                {
                    Expression<Func<RefreshJob, Task>> refresh = job => job.RunAsync(tenant.Key, segment.Id, CancellationToken.None);
                    previous = previous is null
                        ? jobs.Enqueue(refresh)
                        : jobs.ContinueJobWith(previous, refresh, new EnqueuedState(), JobContinuationOptions.OnAnyFinishedState);
                    queued++;
                }
            }
        }

        return queued;
    }

    private async Task<List<(Guid TenantId, Guid Id, string Type, JsonDocument? Definition)>> ListAllAsync(CancellationToken cancellationToken)
    {
        var all = new List<(Guid, Guid, string, JsonDocument?)>();
        foreach (var cluster in topology.All)
        {
            await using var db = (await contexts.CreateDbContextAsync(cancellationToken)).UseCluster(cluster);
            await using (await db.ReadAcrossTenantsAsync(cancellationToken))
            {
                var segments = await db.Segments.IgnoreQueryFilters([SegmenterDbContext.TenantFilter]).AsNoTracking()
                    .Live()
                    .Select(s => new { s.TenantId, s.Id, s.Type, s.Definition })
                    .ToListAsync(cancellationToken);
                all.AddRange(segments.Select(s => (s.TenantId, s.Id, s.Type, s.Definition)));
            }
        }

        return all;
    }
}
