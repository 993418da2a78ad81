using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Segmenter.Core;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;

namespace Segmenter.Bench;

/// <summary>
/// The sweep over many tenants: <see cref="BenchOptions.SweepTenants"/> tenants of 10,000 contacts (about ten
/// events each), ten dynamic segments each (half the template catalogue, alternating), then every segment
/// refreshed by <see cref="RefreshJob"/> as the sweep's Hangfire jobs run it, by as many workers side by side as
/// the machine has cores. The first sweep after the segments were created and filled finds the time that passed
/// since; the figure is the wall time of a sweep of every segment.
/// </summary>
internal static class SweepBenchmark
{
    private const int ContactsPerTenant = 10_000;
    private const int SegmentsPerTenant = 10;

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        await using var database = await BenchDatabase.CreateAsync(options.ConnectionString, "sweep", cancellationToken);
        await using var services = Services(database);
        var (segments, created) = await SeedAsync(database, services, options.SweepTenants, cancellationToken);

        var clock = new Stopwatch();
        var job = new RefreshJob(services.GetRequiredService<IServiceScopeFactory>());
        var sweeps = new List<double>();
        for (var sweep = 0; sweep < 2; sweep++)
        {
            clock.Restart();
            await Parallel.ForEachAsync(segments, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                async (s, ct) => await job.RunAsync(s.Tenant, s.Segment, ct));
            sweeps.Add(clock.Elapsed.TotalSeconds);
            MembershipBenchmark.Progress($"sweep {sweep + 1} of {segments.Count} segments in {sweeps[^1]:F1} s");
        }

        return
        [
            new Figure($"create and fill {segments.Count} dynamic segments over {options.SweepTenants} tenants, one at a time", created, "s"),
            new Figure($"sweep: {segments.Count} dynamic segments over {options.SweepTenants} tenants of {ContactsPerTenant:N0} contacts, {Environment.ProcessorCount} workers", sweeps.Max(), "s", 60),
        ];
    }

    /// <summary>Segmenter's services on the benchmark's database, as the application's role.</summary>
    internal static ServiceProvider Services(BenchDatabase database) => new ServiceCollection()
        .AddLogging()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
        .AddSegmenterCore(database.AppConnectionString)
        .BuildServiceProvider();

    /// <summary>The tenants, their contacts and events, and their dynamic segments, each filled at creation (timed, in seconds).</summary>
    internal static async Task<(List<(Guid Tenant, Guid Segment)> Segments, double CreateSeconds)> SeedAsync(
        BenchDatabase database, ServiceProvider services, int tenantCount, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var tenants = Enumerable.Range(0, tenantCount).Select(n => (Id: Guid.CreateVersion7(), Slug: $"sweep-{n}")).ToList();
        var clock = Stopwatch.StartNew();
        await using (var owner = new NpgsqlConnection(database.ConnectionString))
        {
            await owner.OpenAsync(cancellationToken);
            BenchData.WithoutEventIndexes(owner, () =>
            {
                foreach (var (tenant, n) in tenants.Select((t, n) => (t, n)))
                {
                    BenchData.WriteTenant(owner, tenant.Id, tenant.Slug);
                    new BenchData(1000 + n, now, 10).Write(owner, tenant.Id, ContactsPerTenant);
                }
            });

            await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) contacts, contact_events, contact_event_totals", owner) { CommandTimeout = 0 };
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        MembershipBenchmark.Progress($"seeded {tenants.Count} tenants of {ContactsPerTenant:N0} contacts in {clock.Elapsed.TotalSeconds:F1} s");

        var segments = new List<(Guid Tenant, Guid Segment)>();
        clock.Restart();
        foreach (var (tenant, n) in tenants.Select((t, n) => (t, n)))
        {
            foreach (var template in RuleTemplates.All.Where((_, i) => i % 2 == n % 2).Take(SegmentsPerTenant))
            {
                await using var scope = MembershipBenchmark.For(services, tenant.Id);
                var segment = await scope.ServiceProvider.GetRequiredService<CreateSegment>()
                    .HandleAsync(new CreateSegmentRequest(template.Name, null, SegmentType.Dynamic, template.Definition), null, cancellationToken);
                segments.Add((tenant.Id, segment.Id));
            }
        }

        MembershipBenchmark.Progress($"created and filled {segments.Count} segments in {clock.Elapsed.TotalSeconds:F1} s");
        return (segments, clock.Elapsed.TotalSeconds);
    }
}
