using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Data.Configurations;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> builder)
    {
        builder.ToTable("tenants");
        builder.HasKey(t => t.Id);
        builder.HasIndex(t => t.Slug).IsUnique();
        builder.Property(t => t.TimeZone).HasDefaultValue("UTC");
        builder.Property(t => t.CreatedAt).HasDefaultValueSql(Sql.Now);
        builder.Property(t => t.Shard).HasMaxLength(63);
    }
}

internal sealed class TenantUserConfiguration : IEntityTypeConfiguration<TenantUser>
{
    public void Configure(EntityTypeBuilder<TenantUser> builder)
    {
        builder.ToTable("tenant_users", t => t.HasCheckConstraint("ck_tenant_users_role", Sql.OneOf("role", TenantRole.All)));
        builder.HasKey(u => new { u.TenantId, u.UserId });
        builder.HasOne<Identity.SegmenterUser>().WithMany().HasForeignKey(u => u.UserId).OnDelete(DeleteBehavior.Cascade);
        // Sign-in asks "which tenants is this user in?" before any tenant is chosen.
        builder.HasIndex(u => u.UserId);
    }
}
