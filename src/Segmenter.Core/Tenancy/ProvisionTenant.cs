using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Data;

namespace Segmenter.Core.Tenancy;

public sealed record ProvisionTenantRequest(string? Name, string? Slug, string? TimeZone);

public sealed record ProvisionedTenant(Tenant Tenant, string ApiKey);

public sealed class ProvisionTenantValidator : AbstractValidator<ProvisionTenantRequest>
{
    public ProvisionTenantValidator()
    {
        RuleFor(r => r.Name).Must(Names.IsValid).WithMessage(Names.Requirement).OverridePropertyName("name");
        RuleFor(r => r.Slug).NotEmpty().Matches("^[a-z0-9][a-z0-9-]{1,62}$")
            .WithMessage("A slug is 2 to 63 lower-case letters, digits and dashes, starting with a letter or digit.").OverridePropertyName("slug");
        RuleFor(r => r.TimeZone).Must(zone => zone is null || Contacts.ContactInput.IsIanaZone(zone))
            .WithMessage("Not an IANA time zone (e.g. \"Europe/Oslo\").").OverridePropertyName("time_zone");
    }
}

/// <summary>A new tenant and its first admin API key, in one transaction: a tenant is never left without a key.</summary>
public sealed class ProvisionTenant(SegmenterDbContext db, TenantContext tenant, ApiKeys.ApiKeys keys)
{
    public async Task<ProvisionedTenant> HandleAsync(ProvisionTenantRequest request, CancellationToken cancellationToken)
    {
        await new ProvisionTenantValidator().ValidateAndThrowAsync(request, cancellationToken);
        // The new tenant is current before its row is written: row-level security lets a connection write only its own tenant.
        var created = new Tenant { Name = request.Name!.Trim(), Slug = request.Slug!, TimeZone = request.TimeZone ?? "UTC" };
        tenant.Use(created.Id);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Tenants.Add(created);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException taken) when (taken.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The slug's unique index decides, even between two requests at once; no other tenant is read.
            throw new ConflictException($"The slug '{request.Slug}' is taken.");
        }
        var key = await keys.IssueAsync("First admin key", TenantRole.Admin, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ProvisionedTenant(created, key.Secret);
    }
}
