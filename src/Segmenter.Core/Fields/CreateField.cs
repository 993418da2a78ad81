using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Fields;

public sealed record CreateFieldRequest(string? Key, string? Label, string? Type, IReadOnlyList<string>? Options);

public sealed class CreateFieldValidator : AbstractValidator<CreateFieldRequest>
{
    public CreateFieldValidator()
    {
        RuleFor(r => r.Key).NotEmpty().Matches("^[a-z][a-z0-9_]{0,62}$")
            .WithMessage("A key is a lower-case letter followed by up to 62 lower-case letters, digits or underscores.")
            .Must(key => FieldCatalog.BuiltIns.All(b => b.Key != key)).WithMessage("This key is a built-in field.")
            .OverridePropertyName("key");
        RuleFor(r => r.Label).NotEmpty().MaximumLength(200).OverridePropertyName("label");
        RuleFor(r => r.Type).Must(type => type is not null && FieldType.All.Contains(type))
            .WithMessage($"Type must be one of: {string.Join(", ", FieldType.All)}.").OverridePropertyName("type");
        When(r => r.Type == FieldType.Choice, () =>
        {
            RuleFor(r => r.Options).NotEmpty().WithMessage("A choice field needs its options.").OverridePropertyName("options");
            RuleForEach(r => r.Options).NotEmpty().MaximumLength(200).OverridePropertyName("options");
            RuleFor(r => r.Options).Must(o => o is null || o.Distinct(StringComparer.OrdinalIgnoreCase).Count() == o.Count)
                .WithMessage("Options must differ from each other (ignoring case).").OverridePropertyName("options");
        }).Otherwise(() =>
            RuleFor(r => r.Options).Must(o => o is null || o.Count == 0).WithMessage("Only choice fields have options.").OverridePropertyName("options"));
    }
}

/// <summary>A new custom field of the current tenant; 409 when the key exists.</summary>
public sealed class CreateField(SegmenterDbContext db, ITenantContext tenant)
{
    public async Task<FieldDefinition> HandleAsync(CreateFieldRequest request, CancellationToken cancellationToken)
    {
        await new CreateFieldValidator().ValidateAndThrowAsync(request, cancellationToken);
        if (await db.FieldDefinitions.AnyAsync(f => f.Key == request.Key, cancellationToken))
        {
            throw new ConflictException($"The field '{request.Key}' exists.");
        }

        var field = new FieldDefinition
        {
            TenantId = tenant.TenantId ?? throw new InvalidOperationException("Creating a field needs a current tenant."),
            Key = request.Key!,
            Label = request.Label!.Trim(),
            Type = request.Type!,
            Options = [.. request.Options ?? []],
        };
        db.FieldDefinitions.Add(field);
        await db.SaveChangesAsync(cancellationToken);
        return field;
    }
}
