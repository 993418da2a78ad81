using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Audit;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Segments;

/// <summary>
/// A new segment. Dynamic: <paramref name="Definition"/> is required and kept current. Static: a frozen
/// snapshot of who matches <paramref name="Definition"/> now, a hand-picked list of <paramref name="ContactIds"/>,
/// both, or neither (an empty list to fill later).
/// </summary>
public sealed record CreateSegmentRequest(
    string Name,
    string? Description,
    string Type,
    RuleGroup? Definition = null,
    IReadOnlyList<Guid>? ContactIds = null);

public sealed class CreateSegmentValidator : AbstractValidator<CreateSegmentRequest>
{
    public const int MaxContactIds = 10_000;

    public CreateSegmentValidator()
    {
        RuleFor(r => r.Name).Must(Names.IsValid).WithMessage(Names.Requirement).OverridePropertyName("name");
        RuleFor(r => r.Description).Must(SegmentText.IsDescription).WithMessage(SegmentText.DescriptionRequirement).OverridePropertyName("description");
        RuleFor(r => r.Type).Must(SegmentType.All.Contains)
            .WithMessage($"Type must be one of: {string.Join(", ", SegmentType.All)}.").OverridePropertyName("type");
        When(r => r.Type == SegmentType.Dynamic, () =>
        {
            RuleFor(r => r.Definition).NotNull().WithMessage("A dynamic segment needs a definition.").OverridePropertyName("definition");
            RuleFor(r => r.ContactIds).Null().WithMessage("A dynamic segment's members come from its rules; contact_ids are for static segments.")
                .OverridePropertyName("contact_ids");
        });
        RuleFor(r => r.ContactIds!.Count).LessThanOrEqualTo(MaxContactIds).When(r => r.ContactIds is not null).OverridePropertyName("contact_ids");
    }
}

public sealed class CreateSegment(SegmenterDbContext db, ITenantContext tenant, RuleQueries rules, MembershipEngine engine, ListMembers lists, AuditLog audit)
{
    /// <exception cref="ValidationException">With the JSON path of every problem (<c>definition.rules[0].value</c>, <c>contact_ids[3]</c>).</exception>
    public async Task<Segment> HandleAsync(CreateSegmentRequest request, Guid? createdBy, CancellationToken cancellationToken)
    {
        var failures = (await new CreateSegmentValidator().ValidateAsync(request, cancellationToken)).Errors;
        if (request.Definition is { } definition && failures.Count == 0)
        {
            failures.AddRange(SegmentText.Under("definition", (await rules.ValidateAsync(definition, null, cancellationToken)).Errors));
        }

        if (request.ContactIds is { } ids && failures.Count == 0)
        {
            failures.AddRange(await lists.UnknownContactsAsync(ids, "contact_ids", cancellationToken));
        }

        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        var segment = new Segment
        {
            TenantId = tenant.TenantId ?? throw new InvalidOperationException("Creating a segment needs a current tenant."),
            Name = request.Name.Trim(),
            Description = request.Description,
            Type = request.Type,
            Definition = request.Definition is null ? null : RuleJson.ToDocument(request.Definition),
            CreatedBy = createdBy,
        };

        // The segment and its first members are one transaction: it never exists half filled.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Segments.Add(segment);
        audit.Add("segment.created", segment, null, AuditLog.Snapshot(segment));
        await db.SaveChangesAsync(cancellationToken);
        if (request.Definition is not null)
        {
            await engine.EvaluateNewAsync(segment.Id, request.Definition, cancellationToken);
        }

        if (request.ContactIds is { Count: > 0 } contactIds)
        {
            await lists.AddAsync(segment.Id, contactIds, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return await db.Segments.AsNoTracking().SingleAsync(s => s.Id == segment.Id, cancellationToken);
    }
}
