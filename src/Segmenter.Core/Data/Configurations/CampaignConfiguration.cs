using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Segmenter.Core.Campaigns;
using Segmenter.Core.Contacts;

namespace Segmenter.Core.Data.Configurations;

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> builder)
    {
        builder.ToTable("campaigns", t => t.HasCheckConstraint(
            "ck_campaigns_status", Sql.OneOf("status", [Campaign.Draft, Campaign.Locked])));
        builder.HasKey(c => new { c.TenantId, c.Id });
        builder.Property(c => c.Status).HasDefaultValue(Campaign.Draft);
        builder.Property(c => c.CreatedAt).HasDefaultValueSql(Sql.Now);
    }
}

internal sealed class CampaignRecipientConfiguration : IEntityTypeConfiguration<CampaignRecipient>
{
    public void Configure(EntityTypeBuilder<CampaignRecipient> builder)
    {
        builder.ToTable("campaign_recipients");
        builder.HasKey(r => new { r.TenantId, r.CampaignId, r.ContactId });
        builder.HasOne<Campaign>().WithMany()
            .HasForeignKey(r => new { r.TenantId, r.CampaignId })
            .OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Contact>().WithMany()
            .HasForeignKey(r => new { r.TenantId, r.ContactId })
            .OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.TenantId, r.ContactId });
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<Audit.AuditEntry>
{
    public void Configure(EntityTypeBuilder<Audit.AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(e => new { e.TenantId, e.Id });
        builder.Property(e => e.Before).HasColumnType("jsonb");
        builder.Property(e => e.After).HasColumnType("jsonb");
        // The log is read newest first.
        builder.HasIndex(e => new { e.TenantId, e.At });
    }
}
