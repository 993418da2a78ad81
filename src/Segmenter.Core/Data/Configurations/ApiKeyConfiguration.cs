using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys", t => t.HasCheckConstraint("ck_api_keys_role", Sql.OneOf("role", TenantRole.All)));
        builder.HasKey(k => new { k.TenantId, k.Id });
        // A request presents only the key, so the key's prefix is what finds its tenant.
        builder.HasIndex(k => k.Prefix).IsUnique();
        builder.Property(k => k.CreatedAt).HasDefaultValueSql(Sql.Now);
    }
}
