using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Campaigns;
using Segmenter.Core.Data;
using Segmenter.Core.Segments;

namespace Segmenter.Core.Audit;

/// <summary>
/// The audit log of the current tenant. <c>Add</c> stages an entry in the same unit of work as the
/// change it records, so the two are saved together or not at all.
/// </summary>
public sealed class AuditLog(SegmenterDbContext db, AuditActor actor, TimeProvider clock)
{
    public const int MaxListed = 200;

    public void Add(string action, Segment segment, object? before, object? after) =>
        Add(action, "segment", segment.TenantId, segment.Id, segment.Name, before, after);

    public void Add(string action, Campaign campaign, object? before, object? after) =>
        Add(action, "campaign", campaign.TenantId, campaign.Id, campaign.Name, before, after);

    /// <summary>A segment as the log keeps it: what a marketer set, not its members.</summary>
    public static object Snapshot(Segment segment) => new Dictionary<string, object?>
    {
        ["name"] = segment.Name,
        ["description"] = segment.Description,
        ["type"] = segment.Type,
        ["definition"] = segment.Definition?.RootElement.Clone(),
    };

    /// <summary>The latest entries, newest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> LatestAsync(int limit, CancellationToken cancellationToken) =>
        await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Take(Math.Clamp(limit, 1, MaxListed)).ToListAsync(cancellationToken);

    private void Add(string action, string entityType, Guid tenantId, Guid entityId, string entityName, object? before, object? after) =>
        db.AuditEntries.Add(new AuditEntry
        {
            TenantId = tenantId,
            At = clock.GetUtcNow(),
            ActorKind = actor.Kind,
            ActorId = actor.Id,
            ActorName = actor.Name,
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            EntityName = entityName,
            Before = before is null ? null : JsonSerializer.SerializeToDocument(before),
            After = after is null ? null : JsonSerializer.SerializeToDocument(after),
        });
}
