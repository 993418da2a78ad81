using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Segmenter.Bench;

/// <summary>
/// Contacts through <c>POST /api/v1/contacts/batch</c> of the real web host, started as its own process on
/// a migrated database, with a dynamic segment kept current all along. After a warm-up (see
/// <see cref="WarmUpAsync"/>), batches of 10,000 new contacts (four custom attributes each) are posted by
/// <see cref="BenchOptions.Clients"/> clients side by side, then the same batches again as updates, then
/// another set of new contacts by one client waiting for each answer.
/// </summary>
internal static class IngestBenchmark
{
    private const int BatchSize = 10_000;
    private const int WarmUpBatchSize = 1_000;

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        await using var database = await BenchDatabase.CreateAsync(options.ConnectionString, "ingest", cancellationToken);
        await using var web = await WebHost.StartAsync(options.WebDll!, database.AppConnectionString, cancellationToken);
        var http = web.Http;
        await web.ProvisionAsync("Ingest", "ingest", cancellationToken);
        await ProvisionAsync(http, cancellationToken);
        await WarmUpAsync(http, cancellationToken);

        var batches = Enumerable.Range(0, options.Batches).Select(n => Batch("user", n, BatchSize)).ToList();
        var created = await PostAllAsync(http, batches, options.Clients, cancellationToken);
        var updated = await PostAllAsync(http, batches, options.Clients, cancellationToken);
        var oneByOne = await PostAllAsync(
            http, Enumerable.Range(options.Batches, options.Batches).Select(n => Batch("user", n, BatchSize)).ToList(), clients: 1, cancellationToken);
        var contacts = options.Batches * BatchSize;
        return
        [
            new Figure($"ingest: {contacts:N0} new contacts through POST /contacts/batch, {options.Clients} clients", contacts / created.TotalSeconds, "contacts/s", 20_000, AtLeast: true),
            new Figure($"ingest: the same {contacts:N0} again as updates, {options.Clients} clients", contacts / updated.TotalSeconds, "contacts/s"),
            new Figure($"ingest: {contacts:N0} more new contacts, one client, one batch at a time", contacts / oneByOne.TotalSeconds, "contacts/s"),
        ];
    }

    /// <summary>
    /// Untimed requests, so that a long-running server is measured: 120 of 1,000 contacts (40 batches, each
    /// posted three times), as the tiered JIT recompiles a method once it has run 30 times, so code run once
    /// per request is at full speed only after some 30 requests; then 40,000 new contacts in full batches, as
    /// after the small ones the first 100,000 contacts in batches of 10,000 still cost the host a second more
    /// CPU than the next 100,000.
    /// </summary>
    private static async Task WarmUpAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var batches = Enumerable.Range(0, 40).Select(n => Batch("warm-up", n, WarmUpBatchSize)).ToList();
        await PostAllAsync(http, [.. batches, .. batches, .. batches], clients: 2, cancellationToken);
        var full = Enumerable.Range(0, 4).Select(n => Batch("warm-up-full", n, BatchSize)).ToList();
        await PostAllAsync(http, full, clients: 2, cancellationToken);
    }

    /// <summary>Posts every batch, <paramref name="clients"/> at a time, each client taking the next batch when its answer comes.</summary>
    private static async Task<TimeSpan> PostAllAsync(HttpClient http, List<byte[]> batches, int clients, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = clients, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            using var content = new ByteArrayContent(batch);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync("/api/v1/contacts/batch", content, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"the batch was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        });
        return clock.Elapsed;
    }

    /// <summary>Four custom fields and a dynamic segment the real-time path keeps current during ingest.</summary>
    private static async Task ProvisionAsync(HttpClient http, CancellationToken cancellationToken)
    {
        foreach (var field in new object[]
                 {
                     new { key = "lifetime_value", label = "Lifetime value", type = "number" },
                     new { key = "plan", label = "Plan", type = "choice", options = new[] { "Free", "Pro" } },
                     new { key = "signup_source", label = "Signup source", type = "text" },
                     new { key = "score", label = "Score", type = "number" },
                 })
        {
            (await http.PostAsJsonAsync("/api/v1/fields", field, cancellationToken)).EnsureSuccessStatusCode();
        }

        (await http.PostAsync("/api/v1/segments", new StringContent(
            """{"name":"Pro in Norway","type":"dynamic","definition":{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"},{"field":"plan","operator":"equals","value":"Pro"}]}}""",
            Encoding.UTF8, "application/json"), cancellationToken)).EnsureSuccessStatusCode();
    }

    /// <summary>Batch <paramref name="n"/> of <paramref name="size"/>: contacts n×size … (n + 1)×size − 1 of the prefix, the same on every run.</summary>
    private static byte[] Batch(string prefix, int n, int size)
    {
        var random = new Random(n);
        string[] countries = ["Norway", "Chile", "USA", "Germany", "Japan"];
        var contacts = new JsonArray();
        for (var i = n * size; i < (n + 1) * size; i++)
        {
            contacts.Add(new JsonObject
            {
                ["email"] = $"{prefix}{i}@bench.example",
                ["first_name"] = $"First{i}",
                ["last_name"] = $"Last{i}",
                ["country"] = countries[random.Next(countries.Length)],
                ["status"] = "subscribed",
                ["tags"] = i % 3 == 0 ? new JsonArray("newsletter") : new JsonArray(),
                ["attributes"] = new JsonObject
                {
                    ["lifetime_value"] = Math.Round(random.NextDouble() * 5000, 2),
                    ["plan"] = random.Next(2) == 0 ? "Free" : "Pro",
                    ["signup_source"] = "web",
                    ["score"] = random.Next(101),
                },
            });
        }

        return Encoding.UTF8.GetBytes(new JsonObject { ["contacts"] = contacts }.ToJsonString());
    }
}
