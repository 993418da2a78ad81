using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Segmenter.Core;
using Segmenter.Core.Data;
using Segmenter.Core.Demo;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.Bench;

/// <summary>
/// The membership figures on the demo tenant: every template of the catalogue as a dynamic segment, filled,
/// refreshed with nothing changed, and the real-time path timed from a contact write returning to its
/// membership being visible on another connection.
/// </summary>
internal static class MembershipBenchmark
{
    private const string Marker = "Benchville";

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        await using var database = await BenchDatabase.CreateAsync(options.ConnectionString, "membership", cancellationToken);
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSegmenterCore(database.AppConnectionString)
            .Configure<DemoOptions>(demo => demo.Contacts = options.Contacts)
            // One instant for the whole run, so "nothing changed" means nothing: no rolling window moves a contact.
            .AddSingleton<TimeProvider>(new FrozenClock(DateTimeOffset.UtcNow))
            .BuildServiceProvider();
        return await MeasureAsync(services, database.ConnectionString, options, cancellationToken);
    }

    private static async Task<IReadOnlyList<Figure>> MeasureAsync(
        ServiceProvider services, string connectionString, BenchOptions options, CancellationToken cancellationToken)
    {
        var figures = new List<Figure>();
        DemoSummary demo;
        var clock = Stopwatch.StartNew();
        await using (var scope = services.CreateAsyncScope())
        {
            demo = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
        }

        Progress($"seeded {demo.Contacts:N0} contacts and {demo.Events:N0} events in {clock.Elapsed.TotalSeconds:F1} s");
        figures.Add(new Figure($"demo tenant seeded ({demo.Contacts:N0} contacts, {demo.Events:N0} events)", clock.Elapsed.TotalSeconds, "s"));

        var segments = new List<Guid>();
        var fills = new List<double>();
        foreach (var (name, definition) in RuleTemplates.All.Select(t => (t.Name, t.Definition))
                     .Append((Marker, RuleJson.ParseDefinition($$"""{"logic":"and","rules":[{"field":"city","operator":"equals","value":"{{Marker}}"}]}"""))))
        {
            await using var scope = For(services, demo.TenantId);
            clock.Restart();
            var segment = await scope.ServiceProvider.GetRequiredService<CreateSegment>()
                .HandleAsync(new CreateSegmentRequest(name, null, SegmentType.Dynamic, definition), null, cancellationToken);
            fills.Add(clock.Elapsed.TotalMilliseconds);
            segments.Add(segment.Id);
            Progress($"{name}: {segment.MemberCount:N0} members, filled in {fills[^1]:F0} ms");
        }

        figures.Add(new Figure($"create and fill a dynamic segment, median of {segments.Count}", Figure.Percentile(fills, 50), "ms"));
        figures.Add(new Figure($"create and fill a dynamic segment, slowest of {segments.Count}", fills.Max(), "ms"));

        var refreshes = new List<double>();
        var written = 0;
        foreach (var segmentId in segments)
        {
            await using var scope = For(services, demo.TenantId);
            var result = await scope.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segmentId, cancellationToken);
            refreshes.Add(result.DurationMs);
            written += result.Entered + result.Exited;
            Progress($"{segmentId}: refreshed in {result.DurationMs} ms, {result.Entered} entered, {result.Exited} exited");
        }

        figures.Add(new Figure($"refresh with nothing changed, median of {segments.Count}", Figure.Percentile(refreshes, 50), "ms"));
        figures.Add(new Figure($"refresh with nothing changed, slowest of {segments.Count}", refreshes.Max(), "ms"));
        figures.Add(new Figure("member rows written by refreshes with nothing changed", written, "rows", 0));
        Progress($"filled and refreshed {segments.Count} segments");

        var latencies = await RealtimeAsync(services, connectionString, demo.TenantId, segments[^1], options.Writes, cancellationToken);
        figures.Add(new Figure($"real-time: write to membership visible, p50 of {latencies.Count}", Figure.Percentile(latencies, 50), "ms"));
        figures.Add(new Figure($"real-time: write to membership visible, p95 of {latencies.Count}", Figure.Percentile(latencies, 95), "ms", 1000));
        figures.Add(new Figure("real-time: write to membership visible, slowest", latencies.Max(), "ms"));
        return figures;
    }

    /// <summary>
    /// Moves one random contact at a time into or out of the marker city through EF Core, as the API and UI
    /// write, and times how long after <c>SaveChanges</c> returns another connection sees the membership change,
    /// while the path re-evaluates every dynamic segment of the tenant for that contact.
    /// </summary>
    private static async Task<List<double>> RealtimeAsync(
        ServiceProvider services, string connectionString, Guid tenantId, Guid markerSegment, int writes, CancellationToken cancellationToken)
    {
        var realtime = services.GetRequiredService<RealtimeMembership>();
        await realtime.StartAsync(cancellationToken);
        await using var observer = new NpgsqlConnection(connectionString);
        await observer.OpenAsync(cancellationToken);
        await using var isMember = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM segment_members WHERE tenant_id = $1 AND segment_id = $2 AND contact_id = $3)", observer);
        isMember.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        isMember.Parameters.Add(new NpgsqlParameter { Value = markerSegment });
        isMember.Parameters.Add(new NpgsqlParameter { Value = Guid.Empty });

        List<Guid> ids;
        await using (var scope = For(services, tenantId))
        {
            ids = await scope.ServiceProvider.GetRequiredService<SegmenterDbContext>().Contacts.Select(c => c.Id).ToListAsync(cancellationToken);
        }

        var random = new Random(4);
        var latencies = new List<double>(writes);
        for (var i = 0; i < writes; i++)
        {
            var id = ids[random.Next(ids.Count)];
            bool entering;
            await using (var scope = For(services, tenantId))
            {
                var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
                var contact = await db.Contacts.SingleAsync(c => c.Id == id, cancellationToken);
                entering = contact.City != Marker;
                contact.City = entering ? Marker : "Springfield";
                await db.SaveChangesAsync(cancellationToken);
            }

            var clock = Stopwatch.StartNew();
            isMember.Parameters[2].Value = id;
            while ((bool)(await isMember.ExecuteScalarAsync(cancellationToken))! != entering)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"contact {id} did not {(entering ? "enter" : "leave")} the segment within 30 s");
                }

                await Task.Delay(2, cancellationToken);
            }

            latencies.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(random.Next(10, 60), cancellationToken);
        }

        await realtime.StopAsync(cancellationToken);
        return latencies;
    }

    private static AsyncServiceScope For(ServiceProvider services, Guid tenantId)
    {
        var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        return scope;
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static void Progress(string message) => Console.Error.WriteLine($"bench: {message}");
}
