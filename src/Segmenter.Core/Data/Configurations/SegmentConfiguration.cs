using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Segmenter.Core.Segments;

namespace Segmenter.Core.Data.Configurations;

internal sealed class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> builder)
    {
        builder.ToTable("segments", t => t.HasCheckConstraint("ck_segments_type", Sql.OneOf("type", SegmentType.All)));
        builder.HasKey(s => new { s.TenantId, s.Id });
        builder.Property(s => s.Definition).HasColumnType("jsonb");
        builder.Property(s => s.CreatedAt).HasDefaultValueSql(Sql.Now);
        builder.Property(s => s.UpdatedAt).HasDefaultValueSql(Sql.Now);
        builder.HasIndex(s => new { s.TenantId, s.Name });
    }
}

internal sealed class SegmentMemberConfiguration : IEntityTypeConfiguration<SegmentMember>
{
    public void Configure(EntityTypeBuilder<SegmentMember> builder)
    {
        builder.ToTable("segment_members");
        builder.HasKey(m => new { m.TenantId, m.SegmentId, m.ContactId });
        builder.Property(m => m.EnteredAt).HasDefaultValueSql(Sql.Now);
        builder.HasOne<Segment>().WithMany()
            .HasForeignKey(m => new { m.TenantId, m.SegmentId })
            .OnDelete(DeleteBehavior.Cascade);
        // "Which segments is this contact in?" and re-evaluating one contact's memberships.
        builder.HasIndex(m => new { m.TenantId, m.ContactId });
    }
}

internal sealed class SegmentMembershipChangeConfiguration : IEntityTypeConfiguration<SegmentMembershipChange>
{
    public void Configure(EntityTypeBuilder<SegmentMembershipChange> builder)
    {
        builder.ToTable("segment_membership_changes", t => t.HasCheckConstraint(
            "ck_segment_membership_changes_kind",
            Sql.OneOf("kind", [SegmentMembershipChange.Entered, SegmentMembershipChange.Exited])));
        builder.HasKey(c => new { c.TenantId, c.Id });
        builder.Property(c => c.Id).UseIdentityAlwaysColumn();
        builder.Property(c => c.At).HasDefaultValueSql(Sql.Now);
        builder.HasOne<Segment>().WithMany()
            .HasForeignKey(c => new { c.TenantId, c.SegmentId })
            .OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => new { c.TenantId, c.SegmentId, c.At });
    }
}

internal sealed class SegmentSizeHistoryConfiguration : IEntityTypeConfiguration<SegmentSizeHistory>
{
    public void Configure(EntityTypeBuilder<SegmentSizeHistory> builder)
    {
        builder.ToTable("segment_size_history");
        builder.HasKey(h => new { h.TenantId, h.SegmentId, h.At });
        builder.HasOne<Segment>().WithMany()
            .HasForeignKey(h => new { h.TenantId, h.SegmentId })
            .OnDelete(DeleteBehavior.Cascade);
    }
}
