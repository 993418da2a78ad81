using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;

namespace Segmenter.UnitTests.Data;

/// <summary>The schema's rules for distributing by tenant (DESIGN section 2), checked on the EF model itself.</summary>
public sealed class ModelShould
{
    // The deployment's own tables: the tenant catalogue, the users, and the data-protection key ring of every node.
    private static readonly string[] GlobalTables = ["tenants", "users", "user_claims", "user_logins", "user_tokens", "data_protection_keys"];

    // Lookups that happen before a tenant is known: a key's prefix on every API call, a user's tenants at sign-in.
    private static readonly string[] CrossTenantIndexes = ["ix_api_keys_prefix", "ix_tenant_users_user_id"];

    [Fact]
    public void Lead_every_key_and_index_of_a_tenant_table_with_tenant_id()
    {
        using var db = CreateContext();
        var tenantTables = db.Model.GetEntityTypes().Where(e => !GlobalTables.Contains(e.GetTableName())).ToList();

        Assert.NotEmpty(tenantTables);
        foreach (var entity in tenantTables)
        {
            Assert.True(typeof(ITenantOwned).IsAssignableFrom(entity.ClrType), $"{entity.GetTableName()} is not ITenantOwned");
            Assert.Equal("tenant_id", entity.FindPrimaryKey()!.Properties[0].GetColumnName());
            foreach (var index in entity.GetIndexes().Where(i => !CrossTenantIndexes.Contains(i.GetDatabaseName())))
            {
                Assert.True(index.Properties[0].GetColumnName() == "tenant_id", $"{index.GetDatabaseName()} does not start with tenant_id");
            }

            // A reference to another tenant row carries tenant_id, so it can never point into another tenant.
            foreach (var foreignKey in entity.GetForeignKeys().Where(f => typeof(ITenantOwned).IsAssignableFrom(f.PrincipalEntityType.ClrType)))
            {
                Assert.Equal("tenant_id", foreignKey.Properties[0].GetColumnName());
            }
        }
    }

    [Fact]
    public void Filter_every_tenant_table_by_the_current_tenant()
    {
        using var db = CreateContext();
        var unfiltered = db.Model.GetEntityTypes()
            .Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType) || e.ClrType == typeof(Tenant))
            .Where(e => e.FindDeclaredQueryFilter(SegmenterDbContext.TenantFilter) is null)
            .Select(e => e.GetTableName());

        Assert.Empty(unfiltered);
    }

    [Fact]
    public void Name_every_table_and_column_in_snake_case()
    {
        using var db = CreateContext();
        var names = db.Model.GetEntityTypes()
            .SelectMany(e => e.GetProperties().Select(p => p.GetColumnName()).Append(e.GetTableName()!));

        Assert.All(names, name => Assert.Matches("^[a-z][a-z0-9_]*$", name));
    }

    private static SegmenterDbContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<SegmenterDbContext>();
        SegmenterDbContext.Configure(options, "Host=unused");
        return new SegmenterDbContext(options.Options, new TenantContext());
    }
}
