using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Identity;

namespace Segmenter.Core.Tenancy;

/// <summary>A member of the current tenant.</summary>
public sealed record TenantMember(Guid UserId, string Email, string Role);

/// <summary>
/// What an admin changes about their tenant: who belongs to it with which role, and its time zone. A tenant
/// always keeps at least one admin, so it can never lock itself out.
/// </summary>
public sealed class TenantAdministration(
    [FromKeyedServices(DatabaseRoute.Catalogue)] SegmenterDbContext db,
    IDbContextFactory<SegmenterDbContext> contexts,
    TenantPlacements placements,
    ITenantContext tenant,
    UserManager<SegmenterUser> users)
{
    public async Task<IReadOnlyList<TenantMember>> ListMembersAsync(CancellationToken cancellationToken) =>
        await (from membership in db.TenantUsers
               join user in db.Users on membership.UserId equals user.Id
               orderby user.Email
               select new TenantMember(user.Id, user.Email!, membership.Role)).ToListAsync(cancellationToken);

    /// <summary>
    /// Adds the user with this email, creating the account with <paramref name="password"/> when there is none
    /// (the password is ignored for an existing account, which keeps its own).
    /// </summary>
    public async Task<TenantMember> AddMemberAsync(string? email, string? role, string? password, CancellationToken cancellationToken)
    {
        var failures = new List<ValidationFailure>();
        var address = email?.Trim() ?? "";
        if (!System.Net.Mail.MailAddress.TryCreate(address, out _))
        {
            failures.Add(new ValidationFailure("email", "A valid email address is required."));
        }

        CheckRole(role, failures);
        Throw(failures);

        // One transaction: an account is never created without its membership.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await users.FindByEmailAsync(address);
        if (user is null)
        {
            user = new SegmenterUser { UserName = address, Email = address, EmailConfirmed = true };
            var created = await users.CreateAsync(user, password ?? "");
            Throw([.. created.Errors.Select(e => new ValidationFailure(e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "email", e.Description))]);
        }
        else if (await db.TenantUsers.AnyAsync(u => u.UserId == user.Id, cancellationToken))
        {
            throw new ConflictException($"{address} is already a member of this workspace.");
        }

        db.TenantUsers.Add(new TenantUser { TenantId = CurrentTenant(), UserId = user.Id, Role = role! });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException error) when (error.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ConflictException($"{address} is already a member of this workspace.");
        }

        await transaction.CommitAsync(cancellationToken);
        return new TenantMember(user.Id, user.Email!, role!);
    }

    public async Task ChangeRoleAsync(Guid userId, string? role, CancellationToken cancellationToken)
    {
        var failures = new List<ValidationFailure>();
        CheckRole(role, failures);
        Throw(failures);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var membership = await MembershipAsync(userId, cancellationToken);
        if (membership.Role == TenantRole.Admin && role != TenantRole.Admin)
        {
            await EnsureAnotherAdminAsync(userId, cancellationToken);
        }

        membership.Role = role!;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task RemoveMemberAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var membership = await MembershipAsync(userId, cancellationToken);
        if (membership.Role == TenantRole.Admin)
        {
            await EnsureAnotherAdminAsync(userId, cancellationToken);
        }

        db.TenantUsers.Remove(membership);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<string> TimeZoneAsync(CancellationToken cancellationToken) =>
        await db.Tenants.Select(t => t.TimeZone).SingleAsync(cancellationToken);

    /// <summary>Every calendar rule of the tenant follows; the next sweep re-evaluates its dynamic segments.</summary>
    public async Task SetTimeZoneAsync(string? timeZone, CancellationToken cancellationToken)
    {
        if (timeZone is null || !ContactInput.IsIanaZone(timeZone))
        {
            Throw([new ValidationFailure("time_zone", "Not an IANA time zone (e.g. \"Europe/Oslo\").")]);
        }

        var current = await db.Tenants.SingleAsync(cancellationToken);
        current.TimeZone = timeZone!;
        await db.SaveChangesAsync(cancellationToken);
        if (await placements.ClusterOfAsync(CurrentTenant(), cancellationToken) != placements.Home)
        {
            // The shard's copy of the tenant's row is what its rules read the zone from.
            await using var data = await contexts.CreateDbContextAsync(cancellationToken);
            await data.Tenants.ExecuteUpdateAsync(t => t.SetProperty(x => x.TimeZone, timeZone), cancellationToken);
        }
    }

    private async Task<TenantUser> MembershipAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.TenantUsers.SingleOrDefaultAsync(u => u.UserId == userId, cancellationToken)
        ?? throw new NotFoundException($"User {userId} is not a member of this workspace.");

    /// <summary>
    /// Locks the tenant's admin rows first, so two admins demoting or removing each other at once take turns,
    /// and the second sees the first's change (PostgreSQL re-reads a row it waited for) and is refused.
    /// </summary>
    private async Task EnsureAnotherAdminAsync(Guid userId, CancellationToken cancellationToken)
    {
        var tenantId = CurrentTenant();
        var admins = await db.TenantUsers
            .FromSql($"SELECT * FROM tenant_users WHERE tenant_id = {tenantId} AND role = {TenantRole.Admin} FOR UPDATE")
            .Select(u => u.UserId)
            .ToListAsync(cancellationToken);
        if (!admins.Any(id => id != userId))
        {
            throw new ConflictException("A workspace keeps at least one admin: make someone else admin first.");
        }
    }

    private Guid CurrentTenant() => tenant.TenantId ?? throw new InvalidOperationException("Administering a tenant needs a current tenant.");

    private static void CheckRole(string? role, List<ValidationFailure> failures)
    {
        if (role is null || !TenantRole.All.Contains(role))
        {
            failures.Add(new ValidationFailure("role", $"Role must be one of: {string.Join(", ", TenantRole.All)}."));
        }
    }

    private static void Throw(List<ValidationFailure> failures)
    {
        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }
    }
}
