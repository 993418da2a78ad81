using System.Text.Json;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Audit;

/// <summary>Who changed what, when: one change to a segment or a campaign, with its state before and after.</summary>
public sealed class AuditEntry : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public DateTimeOffset At { get; init; }

    /// <summary><see cref="AuditActor.User"/>, <see cref="AuditActor.ApiKey"/> or <see cref="AuditActor.System"/>.</summary>
    public required string ActorKind { get; init; }

    public Guid? ActorId { get; init; }

    public required string ActorName { get; init; }

    /// <summary>e.g. <c>segment.created</c>, <c>segment.updated</c>, <c>segment.refreshed</c>, <c>campaign.locked</c>.</summary>
    public required string Action { get; init; }

    public required string EntityType { get; init; }

    public required Guid EntityId { get; init; }

    public required string EntityName { get; init; }

    public JsonDocument? Before { get; init; }

    public JsonDocument? After { get; init; }
}
