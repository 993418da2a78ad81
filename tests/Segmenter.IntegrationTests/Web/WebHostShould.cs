using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Demo;
using Segmenter.Core.Identity;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Web;

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
        var db = scope.ServiceProvider.GetRequiredService<Segmenter.Core.Data.SegmenterDbContext>();
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
    public async Task Serve_the_shell_with_its_navigation()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = CreateHost();
        using var client = host.CreateClient();

        var page = await client.GetStringAsync(new Uri("/segments", UriKind.Relative), ct);

        foreach (var testId in new[] { "nav-segments", "nav-contacts", "nav-campaigns", "nav-settings" })
        {
            Assert.Contains($"data-testid=\"{testId}\"", page, StringComparison.Ordinal);
        }

        Assert.Contains("_content/MudBlazor/MudBlazor.min", page, StringComparison.Ordinal);
        Assert.Contains("<h1", page, StringComparison.Ordinal);
    }

    private WebApplicationFactory<Program> CreateHost() =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Development")
            .UseSetting("ConnectionStrings:Segmenter", _connectionString)
            .UseSetting("Segmenter:Demo:Contacts", DemoContacts.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Segmenter:Jobs:Workers", "1"));
}
