using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.Data;
using Segmenter.Core.Identity;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Browser;

/// <summary>
/// The real app on Kestrel (a loopback port of its own) over a database cloned from the migrated template,
/// and Debian's Chromium driven by Playwright, one of each per test class. Each test makes its own tenants
/// and users, and gets a fresh browser context (cookies and storage of its own). Its classes join
/// <see cref="HangfireTests"/>, as every class whose host runs Hangfire must.
/// </summary>
public sealed class BrowserHost : IAsyncLifetime
{
    public const string Password = "Browser!test1";

    /// <summary>The one user allowed on the jobs dashboard (<c>Segmenter:Jobs:DashboardUsers</c>) when an admin.</summary>
    public const string Operator = "operator@browser.test";

    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1");

    /// <summary>The host's database as the application's role.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The host's database as its owner, who sees every tenant's rows.</summary>
    public string OwnerConnectionString => PostgresServer.AsOwner(ConnectionString);

    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("The host has not started.");

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Development")
            .UseDatabase(ConnectionString)
            .UseSetting("Segmenter:Database:MigrateOnStartup", "false")
            .UseSetting("Segmenter:Demo:SeedOnStartup", "false")
            .UseSetting("Segmenter:Jobs:Workers", "1")
            .UseSetting("Segmenter:Jobs:DashboardUsers:0", Operator)
            .UseSetting("Segmenter:Refresh:Cron", "0 0 31 2 *"));
        _factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await PostgresServer.DropDatabaseAsync(ConnectionString);
    }

    /// <summary>A page in a browser context of its own, 1280 × 800 unless told otherwise.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await (_browser ?? throw new InvalidOperationException("The browser has not started."))
            .NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new tenant named <paramref name="name"/>.</summary>
    public async Task<Tenant> NewTenantAsync(string name)
    {
        await using var scope = Services.CreateAsyncScope();
        var tenant = new Tenant { Name = name, Slug = $"t-{Guid.NewGuid():N}"[..30], TimeZone = "UTC" };
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant.Id);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return tenant;
    }

    /// <summary>A new user with <see cref="Password"/>, a member of each tenant with its role; returns the email.</summary>
    public Task<string> NewUserAsync(params (Guid TenantId, string Role)[] memberships) =>
        NewUserAsync($"{Guid.NewGuid():N}@browser.test", memberships);

    public async Task<string> NewUserAsync(string email, params (Guid TenantId, string Role)[] memberships)
    {
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<UserManager<SegmenterUser>>()
            .CreateAsync(new SegmenterUser { UserName = email, Email = email, EmailConfirmed = true }, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<SegmenterUser>>().FindByEmailAsync(email);
        foreach (var (tenantId, role) in memberships)
        {
            await using var tenantScope = Services.CreateAsyncScope();
            tenantScope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            var db = tenantScope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
            db.TenantUsers.Add(new TenantUser { TenantId = tenantId, UserId = user!.Id, Role = role });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        return email;
    }
}
