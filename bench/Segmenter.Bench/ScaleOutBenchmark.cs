using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Bench;

/// <summary>
/// The sweep as production runs it (docs/scaling.md), with 1, 2 and 4 web-host processes on one database: the
/// tenants and segments of <see cref="SweepBenchmark"/>, then for each count of processes, each with
/// <see cref="WorkersPerProcess"/> Hangfire workers, a <see cref="SweepJob"/> enqueued and timed until every
/// segment was refreshed, three times: the first warms the new processes up, the slower of the other two counts. The Hangfire jobs tell how many refreshes each segment had and which processes ran them.
/// </summary>
internal static class ScaleOutBenchmark
{
    /// <summary>Each process's Hangfire workers: as many as this machine has cores, so one process alone can use them all.</summary>
    private const int WorkersPerProcess = 2;

    private static readonly int[] Processes = [1, 2, 4];

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        await using var database = await BenchDatabase.CreateAsync(options.ConnectionString, "scaleout", cancellationToken);
        List<(Guid Tenant, Guid Segment)> segments;
        await using (var services = SweepBenchmark.Services(database))
        {
            (segments, _) = await SweepBenchmark.SeedAsync(database, services, options.SweepTenants, cancellationToken);
        }

        // Long polling, as the hosts have it: the enqueued sweep is announced by NOTIFY, not found by the next poll 15 s later.
        var storageOptions = new PostgreSqlStorageOptions { SchemaName = SegmenterDatabase.HangfireSchema, PrepareSchemaIfNecessary = false, EnableLongPolling = true };
        var jobs = new BackgroundJobClient(new PostgreSqlStorage(new NpgsqlConnectionFactory(database.AppConnectionString, storageOptions), storageOptions));
        var figures = new List<Figure>();
        foreach (var count in Processes)
        {
            var hosts = new List<WebHost>();
            try
            {
                var settings = new Dictionary<string, string> { ["Segmenter__Jobs__Workers"] = WorkersPerProcess.ToString(CultureInfo.InvariantCulture) };
                for (var i = 0; i < count; i++)
                {
                    hosts.Add(await WebHost.StartAsync(options.WebDll, database.AppConnectionString, cancellationToken, settings));
                }

                // The first sweep warms the new processes up (JIT, pools); the figure is the slower of the next two.
                var sweeps = new List<Sweep>();
                for (var run = 0; run < 3; run++)
                {
                    var (machineBefore, hostsBefore) = (ProcessCpu.MachineBusySeconds(), hosts.Sum(h => h.CpuSeconds()));
                    var sweep = await SweepAsync(database, jobs, segments.Count, cancellationToken);
                    sweeps.Add(sweep with { MachineCpu = ProcessCpu.MachineBusySeconds() - machineBefore, HostsCpu = hosts.Sum(h => h.CpuSeconds()) - hostsBefore });
                    MembershipBenchmark.Progress($"{count} process(es): sweep of {segments.Count} segments in {sweep.Seconds:F1} s, " +
                        $"{sweep.MostRefreshes} refresh(es) at most per segment, jobs run by {sweep.Servers} process(es), " +
                        $"CPU {sweeps[^1].MachineCpu:F1} core-s of which the web hosts {sweeps[^1].HostsCpu:F1}");
                }

                sweeps.RemoveAt(0);

                var slower = sweeps.MaxBy(s => s.Seconds)!;
                var what = $"{count} process(es) of {WorkersPerProcess} workers, {segments.Count} segments over {options.SweepTenants} tenants";
                figures.Add(new Figure($"scale-out sweep, {what}", slower.Seconds, "s", 60));
                figures.Add(new Figure($"scale-out sweep throughput, {what}", segments.Count / slower.Seconds, "segments/s"));
                figures.Add(new Figure($"scale-out sweep, {what}: most refreshes of one segment in one sweep", sweeps.Max(s => s.MostRefreshes), "refreshes", 1));
                figures.Add(new Figure($"scale-out sweep, {what}: processes that ran refreshes", sweeps.Min(s => s.Servers), "processes"));
                // Where the machine's CPU went: the web hosts (Hangfire, EF, the job's own work) and the rest, PostgreSQL above all.
                figures.Add(new Figure($"scale-out sweep, {what}: machine CPU per segment", slower.MachineCpu / segments.Count * 1000, "core-ms"));
                figures.Add(new Figure($"scale-out sweep, {what}: web hosts' CPU per segment", slower.HostsCpu / segments.Count * 1000, "core-ms"));
            }
            finally
            {
                foreach (var host in hosts)
                {
                    await host.DisposeAsync();
                }
            }
        }

        return figures;
    }

    private sealed record Sweep(double Seconds, long MostRefreshes, long Servers, double MachineCpu = 0, double HostsCpu = 0);

    /// <summary>Enqueues a sweep and waits until every segment was refreshed after it began.</summary>
    private static async Task<Sweep> SweepAsync(BenchDatabase database, BackgroundJobClient jobs, int segments, CancellationToken cancellationToken)
    {
        await using var owner = new NpgsqlConnection(database.ConnectionString);
        await owner.OpenAsync(cancellationToken);
        var began = await ScalarAsync<DateTime>(owner, "SELECT now()", null, cancellationToken);
        var jobsBefore = await ScalarAsync<long>(owner, "SELECT coalesce(max(id), 0) FROM hangfire.job", null, cancellationToken);
        var clock = Stopwatch.StartNew();
        jobs.Enqueue<SweepJob>(sweep => sweep.RunAsync(CancellationToken.None));
        while (await ScalarAsync<long>(owner, "SELECT count(*) FROM segments WHERE last_evaluated_at >= $1", began, cancellationToken) < segments)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("the sweep did not refresh every segment within 10 minutes");
            }

            await Task.Delay(50, cancellationToken);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        // Each refresh job of this sweep: its arguments name the segment; its Processing state names the process.
        var most = await ScalarAsync<long>(owner, """
            SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM hangfire.job
                                             WHERE invocationdata::text LIKE '%RefreshJob%' AND id > $1 GROUP BY arguments::text) AS per_segment
            """, jobsBefore, cancellationToken);
        var servers = await ScalarAsync<long>(owner, """
            SELECT count(DISTINCT split_part(s.data ->> 'ServerId', ':', 2)) FROM hangfire.state AS s JOIN hangfire.job AS j ON j.id = s.jobid
            WHERE s.name = 'Processing' AND j.invocationdata::text LIKE '%RefreshJob%' AND j.id > $1
            """, jobsBefore, cancellationToken);
        return new Sweep(seconds, most, servers);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, object? parameter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
