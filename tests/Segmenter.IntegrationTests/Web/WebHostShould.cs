using System.Net;
using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Data;
using Segmenter.Core.Demo;
using Segmenter.Core.Identity;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Web;

[Collection(HangfireTests.Name)]
public sealed class WebHostShould : IAsyncLifetime
{
    private const int DemoContacts = 250;
    private string _connectionString = "";

    public async ValueTask InitializeAsync() =>
        _connectionString = await PostgresServer.CreateEmptyDatabaseAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await PostgresServer.DropDatabaseAsync(_connectionString);

    [Fact]
    public async Task Migrate_an_empty_database_seed_the_demo_tenant_once_and_report_healthy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var firstStart = CreateHost())
        {
            using var client = firstStart.CreateClient();
            var health = await client.GetAsync(new Uri("/health", UriKind.Relative), ct);
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync(ct));

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetString());
        }

        await using var secondStart = CreateHost();
        using var _ = secondStart.CreateClient();
        await using var scope = secondStart.Services.CreateAsyncScope();
        // As the owner: the app's own role sees no tenant's rows without a tenant.
        await using var db = PostgresServer.CreateContext(_connectionString, new TenantContext());
        var demo = await db.Tenants.IgnoreQueryFilters().SingleAsync(ct);
        Assert.Equal("demo", demo.Slug);
        Assert.Equal(DemoContacts, await db.Contacts.IgnoreQueryFilters().CountAsync(c => c.TenantId == demo.Id, ct));
        Assert.True(await db.ContactEvents.IgnoreQueryFilters().AnyAsync(e => e.TenantId == demo.Id && e.Type == "purchase", ct));
        Assert.Equal(3, await db.TenantUsers.IgnoreQueryFilters().CountAsync(u => u.TenantId == demo.Id, ct));

        var users = scope.ServiceProvider.GetRequiredService<UserManager<SegmenterUser>>();
        foreach (var (email, _) in DemoOptions.Users)
        {
            var user = await users.FindByEmailAsync(email);
            Assert.NotNull(user);
            Assert.True(await users.CheckPasswordAsync(user, new DemoOptions().Password));
        }
    }

    [Fact]
    public async Task Send_a_visitor_to_sign_in_and_serve_the_sign_in_page()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = CreateHost();
        using var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        foreach (var (path, returnUrl) in new[] { ("/segments", "%2Fsegments"), ("/hangfire", "%2Fhangfire") })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal($"/account/login?ReturnUrl={returnUrl}", response.Headers.Location!.PathAndQuery);
        }

        var page = await client.GetStringAsync(new Uri("/account/login", UriKind.Relative), ct);
        foreach (var testId in new[] { "login-email", "login-password", "login-submit" })
        {
            Assert.Contains($"data-testid=\"{testId}\"", page, StringComparison.Ordinal);
        }

        Assert.Contains("_content/MudBlazor/MudBlazor.min", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"nav-segments\"", page, StringComparison.Ordinal);

        // A cross-site form cannot sign anyone out: the post needs the antiforgery token of the app's own form.
        using var logout = await client.PostAsync(new Uri("/account/logout", UriKind.Relative), new FormUrlEncodedContent([]), ct);
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
    }

    [Fact]
    public async Task Run_the_sweep_on_its_cron_and_bring_dynamic_segments_up_to_date()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = CreateHost(sweepCron: "*/2 * * * * *");
        using var _ = host.CreateClient();
        using (var storage = host.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            var sweep = Assert.Single(storage.GetRecurringJobs(), job => job.Id == SweepJob.RecurringJobId);
            Assert.Equal("*/2 * * * * *", sweep.Cron);
        }

        Guid tenantId, segmentId, contactId;
        await using (var setup = host.Services.CreateAsyncScope())
        {
            await using (var owner = PostgresServer.CreateContext(_connectionString, new TenantContext()))
            {
                tenantId = await owner.Tenants.IgnoreQueryFilters().Select(t => t.Id).SingleAsync(ct);
            }

            setup.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            var db = setup.ServiceProvider.GetRequiredService<SegmenterDbContext>();
            var segment = await setup.ServiceProvider.GetRequiredService<CreateSegment>().HandleAsync(new CreateSegmentRequest(
                "Marked", null, SegmentType.Dynamic, RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"city","operator":"equals","value":"Sweepville"}]}""")), null, ct);
            Assert.Equal(0, segment.MemberCount);
            segmentId = segment.Id;
            // Written around the services, so only the sweep can notice it.
            contactId = await db.Contacts.Select(c => c.Id).FirstAsync(ct);
            await db.Contacts.Where(c => c.Id == contactId).ExecuteUpdateAsync(s => s.SetProperty(c => c.City, "Sweepville"), ct);
        }

        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            await using var scope = host.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            var members = await scope.ServiceProvider.GetRequiredService<SegmenterDbContext>().SegmentMembers
                .Where(m => m.SegmentId == segmentId).Select(m => m.ContactId).ToListAsync(ct);
            if (members.SequenceEqual([contactId]))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the sweep did not refresh the segment within 45 s");
            await Task.Delay(250, ct);
        }
    }

    private WebApplicationFactory<Program> CreateHost(string sweepCron = "*/5 * * * *") =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Development")
            .UseDatabase(PostgresServer.AsApp(_connectionString))
            .UseSetting("Segmenter:Demo:Contacts", DemoContacts.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Segmenter:Jobs:Workers", "1")
            .UseSetting("Segmenter:Refresh:Cron", sweepCron));
}
