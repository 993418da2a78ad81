using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Audit;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;

namespace Segmenter.Core.Segments;

/// <summary>Only the parts given change; a null part stays as it is.</summary>
public sealed record UpdateSegmentRequest(string? Name, string? Description, RuleGroup? Definition);

/// <summary>
/// Renames, re-describes or re-defines a segment. A dynamic segment with new rules is re-evaluated at once,
/// in the same transaction, so it is never seen with new rules and old members; a static segment's
/// definition is the record of how it was made and cannot change (409).
/// </summary>
public sealed class UpdateSegment(SegmenterDbContext db, RuleQueries rules, MembershipEngine engine, AuditLog audit, TimeProvider clock)
{
    public async Task<Segment> HandleAsync(Guid segmentId, UpdateSegmentRequest request, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.LiveAsync(segmentId, cancellationToken);
        if (request.Definition is not null && segment.Type == SegmentType.Static)
        {
            throw new ConflictException("A static segment's definition records how it was made; it cannot change.");
        }

        var failures = new List<ValidationFailure>();
        if (request.Name is not null && Names.Check(request.Name) is { } invalidName)
        {
            failures.Add(invalidName);
        }

        if (!SegmentText.IsDescription(request.Description))
        {
            failures.Add(new ValidationFailure("description", SegmentText.DescriptionRequirement));
        }

        if (request.Definition is { } definition)
        {
            failures.AddRange(SegmentText.Under("definition", (await rules.ValidateAsync(definition, segmentId, cancellationToken)).Errors));
        }

        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The segment's lock before its row: a refresh takes them in this order too, so the two never deadlock.
        // Under the lock the row is read again, so that the audit's "before" is what this update replaces.
        await engine.LockAsync(segmentId, cancellationToken);
        await db.Entry(segment).ReloadAsync(cancellationToken);
        var before = AuditLog.Snapshot(segment);
        segment.Name = request.Name?.Trim() ?? segment.Name;
        segment.Description = request.Description ?? segment.Description;
        segment.UpdatedAt = clock.GetUtcNow();
        if (request.Definition is not null)
        {
            segment.Definition = RuleJson.ToDocument(request.Definition);
        }

        audit.Add("segment.updated", segment, before, AuditLog.Snapshot(segment));
        await db.SaveChangesAsync(cancellationToken);
        var evaluation = request.Definition is null ? null : await engine.EvaluateNewAsync(segmentId, request.Definition, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (evaluation is { Entered: > 0 } or { Exited: > 0 })
        {
            await engine.CascadeSafelyAsync(segmentId, evaluation.EvaluatedAt, cancellationToken);
        }

        return await db.Segments.AsNoTracking().SingleAsync(s => s.Id == segmentId, cancellationToken);
    }
}
