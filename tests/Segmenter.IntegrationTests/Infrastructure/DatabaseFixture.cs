using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;

namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>
/// A fresh database, cloned from the migrated template, for one test class. Tests inside the class make
/// their own tenants with <see cref="NewTenantAsync"/>, so they never see each other's rows.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    /// <summary>The database as the application's role, under row-level security.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The database as its owner, who sees every tenant's rows (<see cref="PostgresServer.AsOwner"/>).</summary>
    public string OwnerConnectionString => PostgresServer.AsOwner(ConnectionString);

    public async ValueTask InitializeAsync() =>
        ConnectionString = await PostgresServer.CreateDatabaseAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await PostgresServer.DropDatabaseAsync(ConnectionString);

    /// <summary>A context acting for <paramref name="tenantId"/>, or for no tenant at all when null.</summary>
    public SegmenterDbContext CreateContext(Guid? tenantId = null)
    {
        var tenant = new TenantContext();
        if (tenantId is { } id)
        {
            tenant.Use(id);
        }

        return PostgresServer.CreateContext(ConnectionString, tenant);
    }

    public async Task<Tenant> NewTenantAsync(string? timeZone = null)
    {
        var slug = $"t-{Guid.NewGuid():N}";
        var tenant = new Tenant { Name = slug, Slug = slug, TimeZone = timeZone ?? "UTC" };
        await using var db = CreateContext(tenant.Id);
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return tenant;
    }
}
