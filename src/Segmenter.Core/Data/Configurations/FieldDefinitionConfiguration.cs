using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Segmenter.Core.Fields;

namespace Segmenter.Core.Data.Configurations;

internal sealed class FieldDefinitionConfiguration : IEntityTypeConfiguration<FieldDefinition>
{
    public void Configure(EntityTypeBuilder<FieldDefinition> builder)
    {
        builder.ToTable("field_definitions", t =>
        {
            t.HasCheckConstraint("ck_field_definitions_type", Sql.OneOf("type", FieldType.All));
            t.HasCheckConstraint("ck_field_definitions_key", "key ~ '^[a-z][a-z0-9_]{0,62}$'");
        });
        builder.HasKey(f => new { f.TenantId, f.Key });
        builder.Property(f => f.CreatedAt).HasDefaultValueSql(Sql.Now);
        builder.Property(f => f.Options)
            .HasColumnType("jsonb")
            .HasConversion(
                options => JsonSerializer.Serialize(options, JsonSerializerOptions.Default),
                json => JsonSerializer.Deserialize<List<string>>(json, JsonSerializerOptions.Default) ?? new List<string>(),
                new ValueComparer<List<string>>(
                    (a, b) => a!.SequenceEqual(b!),
                    list => list.Aggregate(0, (hash, option) => HashCode.Combine(hash, option)),
                    list => list.ToList()));
    }
}
