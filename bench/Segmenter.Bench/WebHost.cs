using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Segmenter.Bench;

/// <summary>
/// The real web host (Release build) started as its own process on a benchmark database, from its own folder
/// as deployed (started from the repository, its file watchers would follow PostgreSQL's writes under .data/),
/// with an <see cref="HttpClient"/> to it; killed when disposed.
/// </summary>
internal sealed class WebHost : IAsyncDisposable
{
    private const string SystemKey = "bench-system-key";
    private readonly Process _process;

    private WebHost(Process process, HttpClient http)
    {
        _process = process;
        Http = http;
    }

    public HttpClient Http { get; }

    /// <summary>Starts the host; <c>settings</c> are more configuration, as environment variables (<c>Segmenter__Jobs__Workers</c>).</summary>
    public static async Task<WebHost> StartAsync(
        string webDll, string appConnectionString, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var path = Path.GetFullPath(webDll);
        var start = new ProcessStartInfo("dotnet", [path, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(path),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Segmenter"] = appConnectionString,
                ["Segmenter__SystemApiKey"] = SystemKey,
                ["Logging__LogLevel__Default"] = "Warning",
                // No sweep on the wall clock: the benchmark times its own, and the host's would move rolling
                // windows under the frozen clock of the measurements and take the cores from them.
                ["Segmenter__Refresh__Cron"] = "0 0 31 2 *",
            },
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new WebHost(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(10) });
        await host.WaitHealthyAsync(cancellationToken);
        return host;
    }

    /// <summary>Provisions a tenant through the system API and signs the client in with its API key; returns the tenant's id.</summary>
    public async Task<Guid> ProvisionAsync(string name, string slug, CancellationToken cancellationToken)
    {
        using var system = new HttpRequestMessage(HttpMethod.Post, "/api/system/tenants")
        {
            Content = JsonContent.Create(new { name, slug, time_zone = "UTC" }),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", SystemKey) },
        };
        using var response = await Http.SendAsync(system, cancellationToken);
        response.EnsureSuccessStatusCode();
        var tenant = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.GetProperty("api_key").GetString());
        return tenant.GetProperty("id").GetGuid();
    }

    /// <summary>The host's resident memory now (VmRSS of /proc/PID/status), in MB.</summary>
    public double ResidentMegabytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>The CPU time the host has used so far (utime + stime of /proc/PID/stat), in seconds.</summary>
    public double CpuSeconds() => ProcessCpu.Seconds(_process.Id);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var health = await Http.GetAsync("/health", cancellationToken);
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the web host did not become healthy within 60 s");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
