using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Api;

/// <summary>The web host on a database cloned from the migrated template, one per test class; each test provisions its own tenants.</summary>
public class ApiHost : IAsyncLifetime
{
    public const string SystemKey = "test-system-key";

    private WebApplicationFactory<Program>? _factory;

    /// <summary>The host's database as the application's role.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The host's database as its owner, who sees every tenant's rows.</summary>
    public string OwnerConnectionString => PostgresServer.AsOwner(ConnectionString);

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("The host has not started.");

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync(TestContext.Current.CancellationToken);
        _factory = Node();
    }

    /// <summary>
    /// One more node of the same app on the same database, as a second process would be: its own services,
    /// Hangfire server and data-protection key ring reader. The caller disposes it.
    /// </summary>
    public WebApplicationFactory<Program> Node(Action<IWebHostBuilder>? settings = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web => (settings ?? (_ => { }))(Configure(web
            .UseEnvironment("Development")
            .UseDatabase(ConnectionString)
            .UseSetting("Segmenter:Database:MigrateOnStartup", "false")
            .UseSetting("Segmenter:Demo:SeedOnStartup", "false")
            .UseSetting("Segmenter:SystemApiKey", SystemKey)
            .UseSetting("Segmenter:Api:MaxBodyBytes", (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Segmenter:Jobs:Workers", "1")
            // No sweep on the clock (Hangfire's Cron.Never): a refresh the tests did not ask for would add history rows they count.
            .UseSetting("Segmenter:Refresh:Cron", "0 0 31 2 *"))));

    /// <summary>The host's database, as the application's role: a clone of the migrated template unless a derived host says otherwise.</summary>
    protected virtual Task<string> CreateDatabaseAsync(CancellationToken cancellationToken) => PostgresServer.CreateDatabaseAsync(cancellationToken);

    /// <summary>Drops the host's database, and whatever other databases a derived host made.</summary>
    protected virtual Task DropDatabasesAsync() => PostgresServer.DropDatabaseAsync(ConnectionString);

    /// <summary>Settings a derived host changes on top of the ones above.</summary>
    protected virtual IWebHostBuilder Configure(IWebHostBuilder web) => web;

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await DropDatabasesAsync();
        GC.SuppressFinalize(this);
    }

    public HttpClient Anonymous() => Factory.CreateClient();

    public HttpClient WithKey(string key)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A new tenant through the system API, and a client holding its admin key.</summary>
    public async Task<(Guid TenantId, HttpClient Admin, string Key)> ProvisionAsync(string timeZone = "UTC", string? shard = null)
    {
        var slug = $"t-{Guid.NewGuid():N}"[..30];
        using var system = WithKey(SystemKey);
        using var response = await system.PostAsJsonAsync("/api/system/tenants", new { name = "Test tenant", slug, time_zone = timeZone, shard }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var key = body.RootElement.GetProperty("api_key").GetString()!;
        return (body.RootElement.GetProperty("id").GetGuid(), WithKey(key), key);
    }
}
