using System.Text.Json;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Campaigns;
using Segmenter.Core.Contacts;
using Segmenter.Core.Fields;
using Segmenter.Core.Identity;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>One row in every tenant-owned table for one tenant, linked the way the product links them.</summary>
public sealed record TenantGraph(Guid TenantId, Guid ContactId, Guid SegmentId, Guid CampaignId)
{
    public static async Task<TenantGraph> SeedAsync(DatabaseFixture database, Guid tenantId)
    {
        var ct = TestContext.Current.CancellationToken;
        var user = new SegmenterUser { UserName = $"{Guid.NewGuid():N}@example.test", Email = $"{Guid.NewGuid():N}@example.test" };
        await using (var global = database.CreateContext())
        {
            global.Users.Add(user);
            await global.SaveChangesAsync(ct);
        }

        await using var db = database.CreateContext(tenantId);
        var contact = new Contact { TenantId = tenantId, Email = $"{Guid.NewGuid():N}@example.test", Tags = ["vip"] };
        var segment = new Segment { TenantId = tenantId, Name = "Everyone VIP", Type = SegmentType.Static };
        var campaign = new Campaign { TenantId = tenantId, Name = "Launch", IncludeSegmentIds = [segment.Id], Status = Campaign.Locked };
        db.AddRange(
            new TenantUser { TenantId = tenantId, UserId = user.Id, Role = TenantRole.Admin },
            new ApiKey { TenantId = tenantId, Name = "ci", Prefix = $"sk_{Guid.NewGuid():N}"[..16], Hash = [1, 2, 3], Role = TenantRole.Admin },
            contact,
            new ContactEvent
            {
                TenantId = tenantId,
                ContactId = contact.Id,
                Type = "purchase",
                OccurredAt = DateTimeOffset.UtcNow,
                Properties = JsonDocument.Parse("""{"amount": 12.5}"""),
            },
            new ContactImport { TenantId = tenantId, FileName = "contacts.csv", Columns = JsonDocument.Parse("""[{"header":"Email","field":"email"}]""") },
            new FieldDefinition { TenantId = tenantId, Key = "plan_type", Label = "Plan type", Type = FieldType.Choice, Options = ["Free", "Pro"] },
            segment,
            new SegmentMember { TenantId = tenantId, SegmentId = segment.Id, ContactId = contact.Id },
            new SegmentMembershipChange { TenantId = tenantId, SegmentId = segment.Id, ContactId = contact.Id, Kind = SegmentMembershipChange.Entered },
            new SegmentSizeHistory { TenantId = tenantId, SegmentId = segment.Id, At = DateTimeOffset.UtcNow, MemberCount = 1, Entered = 1 },
            campaign,
            new CampaignRecipient { TenantId = tenantId, CampaignId = campaign.Id, ContactId = contact.Id },
            new Core.Audit.AuditEntry
            {
                TenantId = tenantId, ActorKind = Core.Audit.AuditActor.System, ActorName = "system", Action = "segment.created",
                EntityType = "segment", EntityId = segment.Id, EntityName = segment.Name,
            });
        await db.SaveChangesAsync(ct);
        return new TenantGraph(tenantId, contact.Id, segment.Id, campaign.Id);
    }
}
