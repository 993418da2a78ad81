using System.Linq.Expressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Campaigns;
using Segmenter.Core.Contacts;
using Segmenter.Core.Fields;
using Segmenter.Core.Identity;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Data;

/// <summary>
/// The one EF Core context of Segmenter. Every tenant-owned entity is scoped three times: a named query
/// filter (<see cref="TenantFilter"/>) on reads, a check in <c>SaveChanges</c> that refuses any write whose
/// tenant is missing or is not the current one, and PostgreSQL's row-level security, told the tenant by
/// <see cref="TenantSession"/> each time the context opens its connection.
/// </summary>
/// <remarks>
/// Migrations live in <c>Data/Migrations</c>; add one from the repository root with
/// <c>dotnet ef migrations add NAME --project src/Segmenter.Core --output-dir Data/Migrations</c>
/// (the design-time factory below needs no database).
/// </remarks>
public sealed class SegmenterDbContext(DbContextOptions<SegmenterDbContext> options, ITenantContext tenant)
    : IdentityUserContext<SegmenterUser, Guid>(options)
{
    /// <summary>The name of the tenant query filter, for the rare cross-tenant query that must ignore it.</summary>
    public const string TenantFilter = "tenant";

    public DbSet<Tenant> Tenants => Set<Tenant>();

    public DbSet<TenantUser> TenantUsers => Set<TenantUser>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Contact> Contacts => Set<Contact>();

    public DbSet<ContactEvent> ContactEvents => Set<ContactEvent>();

    public DbSet<ContactEventTotal> ContactEventTotals => Set<ContactEventTotal>();

    public DbSet<EventType> EventTypes => Set<EventType>();

    public DbSet<ContactImport> ContactImports => Set<ContactImport>();

    public DbSet<FieldDefinition> FieldDefinitions => Set<FieldDefinition>();

    public DbSet<Segment> Segments => Set<Segment>();

    public DbSet<SegmentMember> SegmentMembers => Set<SegmentMember>();

    public DbSet<SegmentMembershipChange> SegmentMembershipChanges => Set<SegmentMembershipChange>();

    public DbSet<SegmentSizeHistory> SegmentSizeHistory => Set<SegmentSizeHistory>();

    public DbSet<Campaign> Campaigns => Set<Campaign>();

    public DbSet<Audit.AuditEntry> AuditEntries => Set<Audit.AuditEntry>();

    public DbSet<CampaignRecipient> CampaignRecipients => Set<CampaignRecipient>();

    /// <summary>ASP.NET Core's data-protection key ring, shared by every node (home cluster only).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>
    /// The rows of every tenant, for the reads that find a tenant (<see cref="CrossTenantReads"/>); each is
    /// also a query with <c>IgnoreQueryFilters([TenantFilter])</c>.
    /// </summary>
    public Task<CrossTenantReads> ReadAcrossTenantsAsync(CancellationToken cancellationToken) => CrossTenantReads.OpenAsync(this, cancellationToken);

    /// <summary>Read by the query filters on every query, so a context follows its scope's tenant.</summary>
    internal Guid? CurrentTenantId => tenant.TenantId;

    /// <summary>The tenant <see cref="TenantSession"/> gave the connection when it was last opened.</summary>
    internal Guid? SessionTenantId { get; set; }

    /// <summary>Where <see cref="ConnectionRouting"/> sends this context's connections.</summary>
    internal DatabaseRoute Route { get; private set; }

    /// <summary>The one cluster this context works on, whatever its tenant (<see cref="UseCluster"/>).</summary>
    internal Cluster? Cluster { get; private set; }

    /// <summary>Sends this context's connections where <paramref name="route"/> says; only before its first open.</summary>
    public SegmenterDbContext UseRoute(DatabaseRoute route)
    {
        EnsureClosed();
        Route = route;
        return this;
    }

    /// <summary>Works on <paramref name="cluster"/> alone: the sweep's and the migrations' walk over every cluster.</summary>
    public SegmenterDbContext UseCluster(Cluster cluster)
    {
        EnsureClosed();
        Cluster = cluster;
        return this;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(TenantSession.Interceptor);

    private void EnsureClosed()
    {
        if (Database.GetDbConnection().State != System.Data.ConnectionState.Closed)
        {
            throw new InvalidOperationException("A context's route is chosen before its connection opens.");
        }
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        GuardTenantWrites();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        GuardTenantWrites();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<SegmenterUser>().ToTable("users");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");

        builder.ApplyConfigurationsFromAssembly(typeof(SegmenterDbContext).Assembly);
        Rules.RuleSql.Register(builder);

        foreach (var entity in builder.Model.GetEntityTypes()
                     .Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType)))
        {
            // A contact's tenant is checked once per statement by a trigger instead, for ingest (ADR-008); an
            // event total's tenant is its contact's, by its foreign key to the contact.
            if (entity.ClrType != typeof(Contact) && entity.ClrType != typeof(ContactEventTotal))
            {
                builder.Entity(entity.ClrType)
                    .HasOne(typeof(Tenant))
                    .WithMany()
                    .HasForeignKey(nameof(ITenantOwned.TenantId))
                    .OnDelete(DeleteBehavior.Cascade);
            }

            builder.Entity(entity.ClrType).HasQueryFilter(TenantFilter, TenantFilterFor(entity.ClrType, nameof(ITenantOwned.TenantId)));
        }

        builder.Entity<Tenant>().HasQueryFilter(TenantFilter, TenantFilterFor(typeof(Tenant), nameof(Tenant.Id)));
    }

    /// <summary><c>e => e.{column} == CurrentTenantId</c>; EF re-reads <see cref="CurrentTenantId"/> from the running context.</summary>
    private LambdaExpression TenantFilterFor(Type clrType, string tenantProperty)
    {
        var entity = Expression.Parameter(clrType, "e");
        var rowTenant = Expression.Convert(Expression.Property(entity, tenantProperty), typeof(Guid?));
        var currentTenant = Expression.Property(Expression.Constant(this), nameof(CurrentTenantId));
        return Expression.Lambda(Expression.Equal(rowTenant, currentTenant), entity);
    }

    private void GuardTenantWrites()
    {
        ChangeTracker.DetectChanges();
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            var rowTenant = entry.Entity switch
            {
                ITenantOwned owned => owned.TenantId,
                // Provisioning makes a new tenant current before adding it, as row-level security requires.
                Tenant t => t.Id,
                _ => (Guid?)null,
            };
            if (rowTenant is not { } rowTenantId)
            {
                continue;
            }

            var what = $"{entry.State} {entry.Metadata.DisplayName()}";
            if (rowTenantId == Guid.Empty)
            {
                throw new TenantIsolationException($"{what} has no tenant_id.");
            }

            if (CurrentTenantId is not { } current)
            {
                throw new TenantIsolationException($"{what} for tenant {rowTenantId} outside of any tenant context.");
            }

            if (rowTenantId != current)
            {
                throw new TenantIsolationException($"{what} belongs to tenant {rowTenantId}, not to the current tenant {current}.");
            }
        }
    }
}
