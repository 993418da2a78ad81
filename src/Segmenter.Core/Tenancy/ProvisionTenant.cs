using System.Data.Common;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Data;

namespace Segmenter.Core.Tenancy;

/// <summary>A new tenant; <c>Shard</c> names the cluster for its data (under <c>Segmenter:Shards</c>), none is home.</summary>
public sealed record ProvisionTenantRequest(string? Name, string? Slug, string? TimeZone, string? Shard = null);

public sealed record ProvisionedTenant(Tenant Tenant, string ApiKey);

public sealed class ProvisionTenantValidator : AbstractValidator<ProvisionTenantRequest>
{
    public ProvisionTenantValidator(DatabaseTopology topology)
    {
        RuleFor(r => r.Name).Must(Names.IsValid).WithMessage(Names.Requirement).OverridePropertyName("name");
        RuleFor(r => r.Slug).NotEmpty().Matches("^[a-z0-9][a-z0-9-]{1,62}$")
            .WithMessage("A slug is 2 to 63 lower-case letters, digits and dashes, starting with a letter or digit.").OverridePropertyName("slug");
        RuleFor(r => r.TimeZone).Must(zone => zone is null || Contacts.ContactInput.IsIanaZone(zone))
            .WithMessage("Not an IANA time zone (e.g. \"Europe/Oslo\").").OverridePropertyName("time_zone");
        RuleFor(r => r.Shard).Must(shard => shard is null || topology.Contains(shard))
            .WithMessage($"Not a configured shard; one of: {string.Join(", ", topology.All.Select(c => c.Name))}.").OverridePropertyName("shard");
    }
}

/// <summary>
/// A new tenant and its first admin API key, in one transaction of the catalogue: a tenant is never left without
/// a key. A tenant placed on a shard gets its row there too (its data's foreign keys point at it), written
/// before the catalogue commits, so a tenant the catalogue knows always exists on its shard.
/// </summary>
public sealed class ProvisionTenant(
    [FromKeyedServices(DatabaseRoute.Catalogue)] SegmenterDbContext db,
    IDbContextFactory<SegmenterDbContext> contexts,
    DatabaseTopology topology,
    TenantPlacements placements,
    TenantContext tenant,
    ApiKeys.ApiKeys keys)
{
    public async Task<ProvisionedTenant> HandleAsync(ProvisionTenantRequest request, CancellationToken cancellationToken)
    {
        await new ProvisionTenantValidator(topology).ValidateAndThrowAsync(request, cancellationToken);
        var shard = request.Shard is DatabaseTopology.HomeName ? null : request.Shard;
        // The new tenant is current before its row is written: row-level security lets a connection write only its own tenant.
        var created = new Tenant { Name = request.Name!.Trim(), Slug = request.Slug!, TimeZone = request.TimeZone ?? "UTC", Shard = shard };
        tenant.Use(created.Id);
        placements.Remember(created.Id, shard);
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
        if (shard is null)
        {
            await transaction.CommitAsync(cancellationToken);
            return new ProvisionedTenant(created, key.Secret);
        }

        await using var onShard = await contexts.CreateDbContextAsync(cancellationToken);
        onShard.Tenants.Add(new Tenant { Id = created.Id, Name = created.Name, Slug = created.Slug, TimeZone = created.TimeZone, Shard = shard });
        try
        {
            await onShard.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException taken) when (taken.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Only a provisioning that died between its two commits leaves a tenant on a shard that the catalogue does not know.
            throw new ConflictException($"The slug '{request.Slug}' is taken on shard '{shard}' by a tenant the catalogue does not know.");
        }

        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            await UndoOnShardAsync(onShard, created.Id);
            throw;
        }

        return new ProvisionedTenant(created, key.Secret);
    }

    /// <summary>
    /// Removes the shard's row of a tenant whose catalogue commit failed, unless the commit went through after
    /// all (its answer lost): the catalogue decides. A failure here leaves the row, and the first error stands.
    /// </summary>
    private async Task UndoOnShardAsync(SegmenterDbContext onShard, Guid tenantId)
    {
        try
        {
            await using var catalogue = (await contexts.CreateDbContextAsync(CancellationToken.None)).UseRoute(DatabaseRoute.Catalogue);
            if (!await catalogue.Tenants.AnyAsync(t => t.Id == tenantId, CancellationToken.None))
            {
                await onShard.Tenants.ExecuteDeleteAsync(CancellationToken.None);
            }
        }
        catch (DbException)
        {
            // The orphan row stays (the next provisioning of its slug on this shard says so); the commit's error is the one to see.
        }
    }
}
