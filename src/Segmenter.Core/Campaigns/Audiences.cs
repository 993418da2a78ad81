using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Campaigns;

/// <summary>Who a campaign goes to: members of any <c>include</c> segment, minus members of every <c>exclude</c> segment, minus the non-subscribed when asked.</summary>
public sealed record AudienceRequest(IReadOnlyList<Guid>? Include, IReadOnlyList<Guid>? Exclude, bool SubscribedOnly = true);

public sealed record CreateCampaignRequest(string? Name, AudienceRequest? Audience);

/// <summary>
/// Campaign audiences over the materialised members: each contact once (the query runs over contacts, with
/// <c>EXISTS</c> on memberships), counted live while a campaign is a draft; locking copies the recipients
/// as they are, after which they never change.
/// </summary>
public sealed class Audiences(SegmenterDbContext db, ITenantContext tenant, Audit.AuditLog audit, TimeProvider clock, IOptions<RuleLimits> limits)
{
    public const int MaxSegments = 50;

    /// <exception cref="QueryTimeoutException">The count ran past <see cref="RuleLimits.QueryTimeoutMs"/>.</exception>
    public async Task<int> CountAsync(AudienceRequest audience, string path, CancellationToken cancellationToken)
    {
        var recipients = await QueryAsync(audience, path, cancellationToken);
        return await TimedCountAsync(recipients, cancellationToken);
    }

    public async Task<Campaign> CreateAsync(CreateCampaignRequest request, CancellationToken cancellationToken)
    {
        var failures = new List<ValidationFailure>();
        if (Names.Check(request.Name) is { } invalidName)
        {
            failures.Add(invalidName);
        }

        var audience = request.Audience ?? new AudienceRequest(null, null);
        failures.AddRange(await CheckAsync(audience, "audience", cancellationToken));
        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        var campaign = new Campaign
        {
            TenantId = tenant.TenantId ?? throw new InvalidOperationException("Creating a campaign needs a current tenant."),
            Name = request.Name!.Trim(),
            IncludeSegmentIds = [.. audience.Include!.Distinct()],
            ExcludeSegmentIds = [.. (audience.Exclude ?? []).Distinct()],
            SubscribedOnly = audience.SubscribedOnly,
        };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(cancellationToken);
        return campaign;
    }

    /// <summary>The tenant's campaigns, newest first.</summary>
    public async Task<IReadOnlyList<Campaign>> ListAsync(CancellationToken cancellationToken) =>
        await db.Campaigns.AsNoTracking().OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).ToListAsync(cancellationToken);

    public async Task<Campaign> GetAsync(Guid campaignId, CancellationToken cancellationToken) =>
        await db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken)
        ?? throw new NotFoundException($"There is no campaign {campaignId}.");

    /// <summary>A draft's recipients as its audience is now; a locked campaign's as they were frozen. In id order, after the cursor.</summary>
    public async Task<(IReadOnlyList<Contact> Items, Guid? Next)> RecipientsAsync(Guid campaignId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var campaign = await GetAsync(campaignId, cancellationToken);
        var recipients = campaign.Status == Campaign.Locked
            ? db.Contacts.Where(c => db.CampaignRecipients.Any(r => r.CampaignId == campaignId && r.ContactId == c.Id))
            : Query(Audience(campaign));
        if (after is { } cursor)
        {
            recipients = recipients.Where(c => c.Id.CompareTo(cursor) > 0);
        }

        var items = await recipients.AsNoTracking().OrderBy(c => c.Id).Take(limit + 1).ToListAsync(cancellationToken);
        return items.Count > limit ? (items[..limit], items[limit - 1].Id) : (items, null);
    }

    /// <summary>Freezes the recipients as they are now, in one statement; a locked campaign cannot be locked again (409).</summary>
    public async Task<Campaign> LockAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var campaign = await db.Campaigns.FromSql($"SELECT * FROM campaigns WHERE id = {campaignId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException($"There is no campaign {campaignId}.");
        if (campaign.Status == Campaign.Locked)
        {
            throw new ConflictException("The campaign is locked already; its recipients are frozen.");
        }

        await using (var command = db.Around(
            Query(Audience(campaign)).Select(c => c.Id),
            sql => $"INSERT INTO campaign_recipients (tenant_id, campaign_id, contact_id) SELECT @segmenter_tenant, @segmenter_campaign, id FROM ({sql}) AS audience",
            new Npgsql.NpgsqlParameter("segmenter_tenant", campaign.TenantId),
            new Npgsql.NpgsqlParameter("segmenter_campaign", campaignId)))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        campaign.Status = Campaign.Locked;
        campaign.LockedAt = clock.GetUtcNow();
        audit.Add("campaign.locked", campaign, null, new { recipients = await db.CampaignRecipients.CountAsync(r => r.CampaignId == campaignId, cancellationToken) });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return campaign;
    }

    /// <summary>
    /// The recipients of each campaign: the locked ones' frozen counts in one grouped query, each draft's
    /// audience counted as it is now (each draft is a query of its own segments).
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, int>> RecipientCountsAsync(IReadOnlyList<Campaign> campaigns, CancellationToken cancellationToken)
    {
        var locked = campaigns.Where(c => c.Status == Campaign.Locked).Select(c => c.Id).ToList();
        var counts = await db.CampaignRecipients.Where(r => locked.Contains(r.CampaignId))
            .GroupBy(r => r.CampaignId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        foreach (var campaign in campaigns)
        {
            counts[campaign.Id] = campaign.Status == Campaign.Locked
                ? counts.GetValueOrDefault(campaign.Id)
                : await TimedCountAsync(Query(Audience(campaign)), cancellationToken);
        }

        return counts;
    }

    public async Task<int> RecipientCountAsync(Campaign campaign, CancellationToken cancellationToken) =>
        (await RecipientCountsAsync([campaign], cancellationToken))[campaign.Id];

    private Task<int> TimedCountAsync(IQueryable<Contact> recipients, CancellationToken cancellationToken) =>
        db.TimedAsync(() => recipients.CountAsync(cancellationToken), "audience count", limits.Value.QueryTimeoutMs, cancellationToken);

    private async Task<IQueryable<Contact>> QueryAsync(AudienceRequest audience, string path, CancellationToken cancellationToken)
    {
        var failures = await CheckAsync(audience, path, cancellationToken);
        return failures.Count == 0 ? Query(audience) : throw new ValidationException(failures);
    }

    private IQueryable<Contact> Query(AudienceRequest audience)
    {
        var include = audience.Include!.ToList();
        var exclude = (audience.Exclude ?? []).ToList();
        var contacts = db.Contacts.Where(c => c.Memberships.Any(m => include.Contains(m.SegmentId)));
        if (exclude.Count > 0)
        {
            contacts = contacts.Where(c => !c.Memberships.Any(m => exclude.Contains(m.SegmentId)));
        }

        return audience.SubscribedOnly ? contacts.Where(c => c.Status == ContactStatus.Subscribed) : contacts;
    }

    private static AudienceRequest Audience(Campaign campaign) => new(campaign.IncludeSegmentIds, campaign.ExcludeSegmentIds, campaign.SubscribedOnly);

    private async Task<List<ValidationFailure>> CheckAsync(AudienceRequest audience, string path, CancellationToken cancellationToken)
    {
        var prefix = path.Length == 0 ? "" : path + ".";
        var failures = new List<ValidationFailure>();
        if (audience.Include is not { Count: > 0 and <= MaxSegments })
        {
            failures.Add(new ValidationFailure($"{prefix}include", $"Include 1 to {MaxSegments} segments."));
        }

        if (audience.Exclude is { Count: > MaxSegments })
        {
            failures.Add(new ValidationFailure($"{prefix}exclude", $"Exclude at most {MaxSegments} segments."));
        }

        if (failures.Count > 0)
        {
            return failures;
        }

        var wanted = audience.Include!.Concat(audience.Exclude ?? []).Distinct().ToList();
        var live = (await db.Segments.Live().Where(s => wanted.Contains(s.Id)).Select(s => s.Id).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var (list, name) in new[] { (audience.Include!, "include"), (audience.Exclude ?? [], "exclude") })
        {
            failures.AddRange(list.Select((id, i) => (id, i)).Where(x => !live.Contains(x.id))
                .Select(x => new ValidationFailure($"{prefix}{name}[{x.i}]", $"There is no segment {x.id}.")));
        }

        return failures;
    }
}
