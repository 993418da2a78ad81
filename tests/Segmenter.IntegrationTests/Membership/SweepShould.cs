using Hangfire;
using Hangfire.AspNetCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Membership;

/// <summary>The sweep through real Hangfire on PostgreSQL storage, with several workers racing.</summary>
[Collection(HangfireTests.Name)]
public sealed class SweepShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Created = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Refresh_every_dynamic_segment_of_every_tenant_after_the_segments_it_reads()
    {
        var ct = TestContext.Current.CancellationToken;
        var storage = HangfireTests.Storage(database.ConnectionString);
        await using var host = MembershipHost.Create(database, Created, services => services.AddSingleton<IBackgroundJobClient>(new BackgroundJobClient(storage)));

        var tenant = await database.NewTenantAsync();
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 40).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Country = i % 4 == 0 ? "Norway" : "Chile",
            Status = i % 2 == 0 ? ContactStatus.Subscribed : ContactStatus.Unsubscribed, City = i % 5 == 0 ? "Oslo" : "Lima",
        }));
        Segment norway, subscribedNorway, oslo, snapshot;
        await using (var scope = host.For(tenant.Id))
        {
            norway = await RefreshShould.CreateDynamicAsync(scope, "Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""");
            subscribedNorway = await RefreshShould.CreateDynamicAsync(scope, "Subscribed in Norway",
                $$"""{"logic":"and","rules":[{"segment":"{{norway.Id}}","operator":"in"},{"field":"status","operator":"equals","value":"subscribed"}]}""");
            oslo = await RefreshShould.CreateDynamicAsync(scope, "Oslo", """{"logic":"and","rules":[{"field":"city","operator":"equals","value":"Oslo"}]}""");
            snapshot = await scope.ServiceProvider.GetRequiredService<CreateSegment>().HandleAsync(new CreateSegmentRequest(
                "Norway in November", null, SegmentType.Static, RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""")), null, ct);
        }

        var otherTenant = await database.NewTenantAsync();
        await host.AddContactsAsync(otherTenant.Id, [new Contact { TenantId = otherTenant.Id, Email = "x@example.test", Country = "Peru" }]);
        Segment peru;
        await using (var scope = host.For(otherTenant.Id))
        {
            peru = await RefreshShould.CreateDynamicAsync(scope, "Peru", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Peru"}]}""");
        }

        // Half of the contacts move to Norway; only a refresh of Norway before its reader puts them in both.
        await using (var db = database.CreateContext(tenant.Id))
        {
            await db.Contacts.Where(c => c.Country == "Chile" && c.City == "Lima").ExecuteUpdateAsync(s => s.SetProperty(c => c.Country, "Norway"), ct);
        }

        host.Clock.Now = Created.AddMinutes(5);
        var queued = await host.Services.GetRequiredService<SweepJob>().RunAsync(ct);
        Assert.Equal(4, queued);

        using (new BackgroundJobServer(
            new BackgroundJobServerOptions { WorkerCount = 4, SchedulePollingInterval = TimeSpan.FromMilliseconds(200), Activator = new AspNetCoreJobActivator(host.Services.GetRequiredService<IServiceScopeFactory>()) },
            storage))
        {
            await WaitUntilAsync(async () =>
            {
                await using var db = database.CreateContext(tenant.Id);
                return await db.Segments.CountAsync(s => s.LastEvaluatedAt == host.Clock.Now, ct) == 3;
            });
            await WaitUntilAsync(async () =>
            {
                await using var db = database.CreateContext(otherTenant.Id);
                return await db.Segments.AnyAsync(s => s.Id == peru.Id && s.LastEvaluatedAt == host.Clock.Now, ct);
            });
        }

        await using var check = database.CreateContext(tenant.Id);
        var nowInNorway = await check.Contacts.Where(c => c.Country == "Norway").Select(c => c.Id).ToListAsync(ct);
        var subscribed = contacts.Where(c => c.Status == ContactStatus.Subscribed).Select(c => c.Id).ToHashSet();
        Assert.Equal(nowInNorway.ToHashSet(), await host.MembersAsync(tenant.Id, norway.Id));
        Assert.Equal(nowInNorway.Where(subscribed.Contains).ToHashSet(), await host.MembersAsync(tenant.Id, subscribedNorway.Id));
        Assert.Equal(contacts.Where(c => c.Country == "Norway").Select(c => c.Id).ToHashSet(), await host.MembersAsync(tenant.Id, snapshot.Id));
        Assert.True(nowInNorway.Count > 10);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the sweep's jobs did not finish within 60 s");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
