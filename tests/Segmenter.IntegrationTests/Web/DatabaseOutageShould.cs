using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Membership;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Web;

/// <summary>
/// PostgreSQL stopped and started again under a running app, on a cluster of the test's own (scripts/postgres.sh
/// on a port and folder of its own): health goes unhealthy and back, no request hangs, the next sweep completes.
/// </summary>
[Collection(HangfireTests.Name)]
public sealed class DatabaseOutageShould
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Report_unhealthy_while_the_database_is_down_answer_every_request_and_recover_when_it_is_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort();
        var data = Path.Combine(Path.GetTempPath(), $"segmenter-outage-{port}");
        var connectionString = (await PostgresAsync("start", port, data)).Trim() + ";Timeout=5;Command Timeout=15";
        try
        {
            await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
                .UseEnvironment("Development")
                .UseSetting("ConnectionStrings:Segmenter", PostgresServer.AsApp(connectionString))
                .UseSetting("ConnectionStrings:SegmenterOwner", connectionString)
                .UseSetting("Segmenter:Database:MigrateOnStartup", "true")
                .UseSetting("Segmenter:Demo:SeedOnStartup", "false")
                .UseSetting("Segmenter:SystemApiKey", "outage-system-key")
                .UseSetting("Segmenter:Jobs:Workers", "1")
                .UseSetting("Segmenter:Refresh:Cron", "0 0 31 2 *"));
            using var client = factory.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", ct)).StatusCode);
            using var system = factory.CreateClient();
            system.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "outage-system-key");
            using var provisioned = await system.PostAsync("/api/system/tenants",
                new StringContent("""{"name":"Outage shop","slug":"outage-shop"}""", System.Text.Encoding.UTF8, "application/json"), ct);
            var key = JsonDocument.Parse(await provisioned.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("api_key").GetString();
            using var api = factory.CreateClient();
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var created = await api.PostAsync("/api/v1/segments", new StringContent(
                """{"name":"Everyone","type":"dynamic","definition":{"logic":"and","rules":[{"field":"email","operator":"is_not_empty"}]}}""",
                System.Text.Encoding.UTF8, "application/json"), ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

            await PostgresAsync("stop", port, data);

            var down = await TimedAsync(() => client.GetAsync("/health", ct));
            var during = await TimedAsync(() => api.GetAsync("/api/v1/segments", ct));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal("application/problem+json", during.Content.Headers.ContentType?.MediaType);

            await PostgresAsync("start", port, data);

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await client.GetAsync("/health", ct)).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, "/health did not recover within 30 s of the database coming back");
                await Task.Delay(250, ct);
            }

            while ((await api.GetAsync("/api/v1/segments", ct)).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, "the API did not recover within 30 s of the database coming back");
                await Task.Delay(250, ct);
            }

            await using var scope = factory.Services.CreateAsyncScope();
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<SweepJob>().RunAsync(ct));
        }
        finally
        {
            // Best effort: a failure here must not hide the test's own.
            try
            {
                await PostgresAsync("stop", port, data);
                Directory.Delete(data, recursive: true);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException or Xunit.Sdk.XunitException)
            {
                TestContext.Current.SendDiagnosticMessage($"Cleaning up the outage cluster failed: {cleanup.Message}");
            }
        }
    }

    /// <summary>A port no one listens on now, as the operating system hands out.</summary>
    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The answer, which must come within <see cref="NoHang"/>.</summary>
    private static async Task<HttpResponseMessage> TimedAsync(Func<Task<HttpResponseMessage>> request)
    {
        var started = Stopwatch.StartNew();
        var response = await request().WaitAsync(NoHang, TestContext.Current.CancellationToken);
        Assert.True(started.Elapsed < NoHang, $"the request took {started.Elapsed}");
        return response;
    }

    private static async Task<string> PostgresAsync(string command, int port, string data)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Segmenter.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("The repository root was not found.");
        }

        var start = new ProcessStartInfo("bash", [Path.Combine(root.FullName, "scripts", "postgres.sh"), command, "--test"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { ["SEGMENTER_TEST_PG_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["SEGMENTER_TEST_PG_DATA"] = data },
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"postgres.sh {command}: {errors}");
        return output;
    }
}
