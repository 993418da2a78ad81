using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Campaigns;

/// <summary>A contact frozen into a locked campaign's audience.</summary>
public sealed class CampaignRecipient : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public required Guid CampaignId { get; init; }

    public required Guid ContactId { get; init; }
}
