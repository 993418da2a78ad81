using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Membership;

/// <summary>The Core services over a test database, with a clock the test moves.</summary>
public sealed class MembershipHost : IAsyncDisposable
{
    private MembershipHost(ServiceProvider services, TestClock clock)
    {
        Services = services;
        Clock = clock;
    }

    public ServiceProvider Services { get; }

    public TestClock Clock { get; }

    public static MembershipHost Create(DatabaseFixture database, DateTimeOffset now, Action<IServiceCollection>? configure = null)
    {
        var clock = new TestClock(now);
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSegmenterCore(database.ConnectionString)
            .AddSingleton<TimeProvider>(clock);
        configure?.Invoke(services);
        return new MembershipHost(services.BuildServiceProvider(), clock);
    }

    /// <summary>A DI scope acting for <paramref name="tenantId"/>, like a request or a job.</summary>
    public AsyncServiceScope For(Guid tenantId)
    {
        var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        return scope;
    }

    public async Task<HashSet<Guid>> MembersAsync(Guid tenantId, Guid segmentId)
    {
        await using var scope = For(tenantId);
        return (await scope.ServiceProvider.GetRequiredService<SegmenterDbContext>().SegmentMembers
            .Where(m => m.SegmentId == segmentId).Select(m => m.ContactId).ToListAsync(TestContext.Current.CancellationToken)).ToHashSet();
    }

    /// <summary>Adds contacts through EF Core in a scope of their own.</summary>
    public async Task<List<Contact>> AddContactsAsync(Guid tenantId, IEnumerable<Contact> contacts)
    {
        await using var scope = For(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var list = contacts.ToList();
        db.Contacts.AddRange(list);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return list;
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

/// <summary>A clock that stays where the test puts it.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
