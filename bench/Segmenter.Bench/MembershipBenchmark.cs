using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Segmenter.Core;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.Bench;

/// <summary>
/// The figures on one large tenant (<see cref="BenchOptions.Contacts"/> contacts, <see cref="BenchOptions.Events"/>
/// events, seeded by binary COPY): the preview count of every template against the hand-written SQL for the same
/// question (<see cref="HandWritten"/>), a single-table count against a bare count of the tenant, every template
/// filled as a dynamic segment and refreshed with nothing changed, a refresh through the API after 1% of a large
/// segment's matches changed while the web host's memory is watched, and the real-time path timed from a
/// contact update through the API to its membership being visible on another connection.
/// </summary>
internal static class MembershipBenchmark
{
    private const string Marker = "Benchville";
    private const int Runs = 5;

    /// <summary>
    /// The most runs of two counts timed in turn: short counts run until both have taken <see cref="InTurnFor"/> or this
    /// many runs, as the median of five runs of a 12 ms count moved its ratio by a fifth from one benchmark to the next.
    /// </summary>
    private const int MostRunsInTurn = 25;

    private static readonly TimeSpan InTurnFor = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        await using var database = await BenchDatabase.CreateAsync(options.ConnectionString, "membership", cancellationToken);
        await using var web = await WebHost.StartAsync(options.WebDll, database.AppConnectionString, cancellationToken);
        var tenantId = await web.ProvisionAsync("Benchmark", "bench", cancellationToken);
        // One instant for the in-process services: "nothing changed" then means nothing, no rolling window moves anyone.
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var figures = new List<Figure>();

        var clock = Stopwatch.StartNew();
        await using var owner = new NpgsqlConnection(database.ConnectionString);
        await owner.OpenAsync(cancellationToken);
        BenchData.WriteTenant(owner, tenantId, slug: null);
        var events = 0L;
        BenchData.WithoutEventIndexes(owner, () => events = new BenchData(7, now, (double)options.Events / options.Contacts).Write(owner, tenantId, options.Contacts));
        var seeded = clock.Elapsed.TotalSeconds;
        await ExecuteAsync(owner, "VACUUM (ANALYZE) contacts, contact_events, contact_event_totals", cancellationToken);
        // The load leaves gigabytes of dirty buffers, which the checkpoint it set off would write while the
        // previews are timed (2 GB over five minutes, in one run); written now, the measurements start on a quiet server.
        await ExecuteAsync(owner, "CHECKPOINT", cancellationToken);
        Progress($"seeded {options.Contacts:N0} contacts and {events:N0} events in {seeded:F1} s, vacuumed and checkpointed in {clock.Elapsed.TotalSeconds - seeded:F1} s");
        figures.Add(new Figure($"large tenant seeded by binary COPY ({options.Contacts:N0} contacts, {events:N0} events)", seeded, "s"));

        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSegmenterCore(database.AppConnectionString)
            .AddSingleton<TimeProvider>(new FrozenClock(now))
            .BuildServiceProvider();

        figures.AddRange(await CountsAsync(services, tenantId, now, cancellationToken));
        var segments = await FillAsync(services, tenantId, figures, cancellationToken);
        figures.AddRange(await RefreshThroughApiAsync(web, owner, services, tenantId, cancellationToken));
        figures.AddRange(await RealtimeAsync(web, owner, tenantId, segments[Marker], options.Writes, cancellationToken));
        return figures;
    }

    /// <summary>
    /// Each template's preview count as the preview runs it (<see cref="RuleQueries.CountAsync"/>: the tenant's
    /// fields and segments read, the definition validated and translated, one SQL count under a statement
    /// timeout), <see cref="Runs"/> timed runs after one untimed; then the SQL the engine wrote for it against
    /// the hand-written SQL, both on the engine's connection (the app's role, the tenant set), run alike and in
    /// turn, so the ratio compares the two queries and nothing else. Both must count the same contacts.
    /// </summary>
    private static async Task<List<Figure>> CountsAsync(
        ServiceProvider services, Guid tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var figures = new List<Figure>();
        var (medians, worst, ratios, disagreements) = (new List<double>(), 0.0, new List<(string Key, double Ratio)>(), 0);
        var report = new StringBuilder();
        foreach (var template in RuleTemplates.All)
        {
            var preview = await TimeAsync(async () =>
            {
                await using var scope = For(services, tenantId);
                return await scope.ServiceProvider.GetRequiredService<RuleQueries>().CountAsync(template.Definition, cancellationToken);
            });
            await using var engine = await EngineQuery.CreateAsync(services, tenantId, template.Definition, cancellationToken);
            var (ours, expert) = await TimeInTurnAsync(
                () => engine.CountAsync(cancellationToken), () => ScalarAsync(engine.Connection, HandWritten.Sql[template.Key], tenantId, now, cancellationToken));
            var ratio = Figure.Percentile(ours.Times, 50) / Figure.Percentile(expert.Times, 50);
            disagreements += preview.Count == expert.Count && ours.Count == expert.Count ? 0 : 1;
            medians.Add(Figure.Percentile(preview.Times, 50));
            worst = Math.Max(worst, preview.Times.Max());
            ratios.Add((template.Key, ratio));
            report.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"| {template.Name} | {preview.Count:N0} | {Figure.Percentile(preview.Times, 50):F1} | {Figure.Percentile(preview.Times, 95):F1} | {Figure.Percentile(ours.Times, 50):F1} | {Figure.Percentile(expert.Times, 50):F1} | {ratio:F2} |{(preview.Count == expert.Count ? "" : $" hand-written counts {expert.Count:N0}")}\n");
            Progress($"{template.Name}: {preview.Count:N0} (hand-written {expert.Count:N0}); preview median {Figure.Percentile(preview.Times, 50):F1} ms, engine SQL {Figure.Percentile(ours.Times, 50):F1} ms, hand-written {Figure.Percentile(expert.Times, 50):F1} ms");
        }

        Console.WriteLine("| template | contacts | preview median ms | preview p95 ms | engine SQL median ms | hand-written SQL median ms | ratio |\n|---|---|---|---|---|---|---|");
        Console.WriteLine(report);
        foreach (var slow in RuleTemplates.All.Zip(medians).OrderByDescending(t => t.Second).Take(3))
        {
            await using var engine = await EngineQuery.CreateAsync(services, tenantId, slow.First.Definition, cancellationToken);
            Console.WriteLine($"Plan of \"{slow.First.Name}\" (preview median {slow.Second:F1} ms):\n```\n{await engine.PlanAsync(cancellationToken)}```\n");
        }

        var highest = ratios.MaxBy(r => r.Ratio);
        figures.Add(new Figure($"preview count of the {medians.Count} templates: median of their medians", Figure.Percentile(medians, 50), "ms", 300));
        figures.Add(new Figure("preview count of the templates: slowest single run", worst, "ms", 1500));
        figures.Add(new Figure($"engine SQL / hand-written SQL: highest ratio of medians ({highest.Key})", highest.Ratio, "×", 1.25));
        figures.Add(new Figure($"engine SQL / hand-written SQL: median ratio of the {ratios.Count} templates", Figure.Percentile(ratios.ConvertAll(r => r.Ratio), 50), "×"));
        figures.Add(new Figure("templates whose count differs from the hand-written SQL's", disagreements, "templates", 0));

        var single = RuleTemplates.Find("company-employees")!;
        await using var scan = await EngineQuery.CreateAsync(services, tenantId, single.Definition, cancellationToken);
        var scanned = await TimeAsync(() => scan.CountAsync(cancellationToken));
        var floor = await TimeAsync(() => ScalarAsync(scan.Connection, HandWritten.CountAll, tenantId, now, cancellationToken));
        figures.Add(new Figure($"single-table count ({single.Name}) / bare count(*) of the tenant's {floor.Count:N0} contacts, medians",
            Figure.Percentile(scanned.Times, 50) / Figure.Percentile(floor.Times, 50), "×"));
        return figures;
    }

    /// <summary>Every template, and the marker city of the real-time pass, as dynamic segments, each filled at creation, then refreshed with nothing changed.</summary>
    private static async Task<Dictionary<string, Guid>> FillAsync(
        ServiceProvider services, Guid tenantId, List<Figure> figures, CancellationToken cancellationToken)
    {
        var segments = new Dictionary<string, Guid>();
        var fills = new List<double>();
        foreach (var (name, definition) in RuleTemplates.All.Select(t => (t.Name, t.Definition))
                     .Append((Marker, RuleJson.ParseDefinition($$"""{"logic":"and","rules":[{"field":"city","operator":"equals","value":"{{Marker}}"}]}"""))))
        {
            await using var scope = For(services, tenantId);
            var clock = Stopwatch.StartNew();
            var segment = await scope.ServiceProvider.GetRequiredService<CreateSegment>()
                .HandleAsync(new CreateSegmentRequest(name, null, SegmentType.Dynamic, definition), null, cancellationToken);
            fills.Add(clock.Elapsed.TotalMilliseconds);
            segments[name] = segment.Id;
            Progress($"{name}: {segment.MemberCount:N0} members, filled in {fills[^1]:F0} ms");
        }

        figures.Add(new Figure($"create and fill a dynamic segment, median of {segments.Count}", Figure.Percentile(fills, 50), "ms"));
        figures.Add(new Figure($"create and fill a dynamic segment, slowest of {segments.Count}", fills.Max(), "ms"));

        var refreshes = new List<double>();
        var written = 0;
        foreach (var segmentId in segments.Values)
        {
            await using var scope = For(services, tenantId);
            var result = await scope.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segmentId, cancellationToken);
            refreshes.Add(result.DurationMs);
            written += result.Entered + result.Exited;
        }

        figures.Add(new Figure($"refresh with nothing changed, median of {segments.Count}", Figure.Percentile(refreshes, 50), "ms"));
        figures.Add(new Figure($"refresh with nothing changed, slowest of {segments.Count}", refreshes.Max(), "ms"));
        figures.Add(new Figure("member rows written by refreshes with nothing changed", written, "rows", 0));
        return segments;
    }

    /// <summary>
    /// "Subscribed" (three quarters of the tenant) as a dynamic segment; 1% of its members unsubscribed behind the
    /// app's back (as the owner, so no real-time pass sees it); then <c>POST /segments/{id}/refresh</c> on the web
    /// host, timed, while its resident memory is read every 5 ms; then the same refresh with nothing changed.
    /// </summary>
    private static async Task<List<Figure>> RefreshThroughApiAsync(
        WebHost web, NpgsqlConnection owner, ServiceProvider services, Guid tenantId, CancellationToken cancellationToken)
    {
        Guid segmentId;
        int members;
        await using (var scope = For(services, tenantId))
        {
            var segment = await scope.ServiceProvider.GetRequiredService<CreateSegment>().HandleAsync(
                new CreateSegmentRequest("Subscribed", null, SegmentType.Dynamic,
                    RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"status","operator":"equals","value":"subscribed"}]}""")),
                null, cancellationToken);
            (segmentId, members) = (segment.Id, segment.MemberCount);
        }

        var changed = members / 100;
        await ExecuteAsync(owner, $"""
            UPDATE contacts SET status = 'unsubscribed'
            WHERE tenant_id = '{tenantId}' AND id IN (
                SELECT contact_id FROM segment_members WHERE tenant_id = '{tenantId}' AND segment_id = '{segmentId}'
                ORDER BY contact_id LIMIT {changed})
            """, cancellationToken);

        var before = web.ResidentMegabytes();
        var peak = before;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                peak = Math.Max(peak, web.ResidentMegabytes());
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var result = await RefreshAsync(web, segmentId, cancellationToken);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        await watching.CancelAsync();
        await watcher;
        Progress($"refresh after {changed:N0} of {members:N0} members changed: {result.Exited:N0} exited, {result.Entered:N0} entered in {elapsed:F0} ms; host {before:F0} → peak {peak:F0} MB");

        clock.Restart();
        var unchanged = await RefreshAsync(web, segmentId, cancellationToken);
        var unchangedMs = clock.Elapsed.TotalMilliseconds;
        return
        [
            new Figure($"refresh through the API after 1% of {members:N0} matches changed ({result.Exited:N0} exits)", elapsed, "ms", 3000),
            new Figure("member rows written by that refresh, per changed match", (double)(result.Entered + result.Exited) / changed, "rows", 1),
            new Figure($"the same refresh again, nothing changed ({unchanged.Entered + unchanged.Exited} rows written)", unchangedMs, "ms"),
            new Figure("peak resident memory of the web host during the large refresh", peak, "MB", 512),
        ];
    }

    private static async Task<RefreshResult> RefreshAsync(WebHost web, Guid segmentId, CancellationToken cancellationToken)
    {
        using var response = await web.Http.PostAsync($"/api/v1/segments/{segmentId}/refresh", null, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<RefreshResult>(SnakeCase, cancellationToken))!;
    }

    /// <summary>
    /// Moves one random contact at a time into or out of the marker city with <c>POST /contacts/batch</c>, and
    /// times from the answer until another connection sees its membership change, while the real-time path
    /// re-evaluates every dynamic segment of the tenant for that contact.
    /// </summary>
    private static async Task<List<Figure>> RealtimeAsync(
        WebHost web, NpgsqlConnection owner, Guid tenantId, Guid markerSegment, int writes, CancellationToken cancellationToken)
    {
        await using var isMember = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM segment_members WHERE tenant_id = $1 AND segment_id = $2 AND contact_id = (SELECT id FROM contacts WHERE tenant_id = $1 AND email_normalized = $3))", owner);
        isMember.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        isMember.Parameters.Add(new NpgsqlParameter { Value = markerSegment });
        isMember.Parameters.Add(new NpgsqlParameter { Value = "" });
        var emails = new List<string>();
        await using (var read = new NpgsqlCommand($"SELECT email_normalized FROM contacts WHERE tenant_id = '{tenantId}' ORDER BY id LIMIT 10000", owner))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                emails.Add(reader.GetString(0));
            }
        }

        var random = new Random(4);
        var inMarker = new HashSet<string>();
        var latencies = new List<double>(writes);
        for (var i = 0; i < writes; i++)
        {
            var email = emails[random.Next(emails.Count)];
            var entering = !inMarker.Contains(email);
            if (entering)
            {
                inMarker.Add(email);
            }
            else
            {
                inMarker.Remove(email);
            }

            using var response = await web.Http.PostAsJsonAsync("/api/v1/contacts/batch",
                new { contacts = new[] { new { email, city = entering ? Marker : "Springfield" } } }, cancellationToken);
            response.EnsureSuccessStatusCode();

            var clock = Stopwatch.StartNew();
            isMember.Parameters[2].Value = email;
            while ((bool)(await isMember.ExecuteScalarAsync(cancellationToken))! != entering)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"contact {email} did not {(entering ? "enter" : "leave")} the segment within 30 s");
                }

                await Task.Delay(2, cancellationToken);
            }

            latencies.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(random.Next(10, 60), cancellationToken);
        }

        return
        [
            new Figure($"real-time: API update to membership visible, p50 of {writes}", Figure.Percentile(latencies, 50), "ms"),
            new Figure($"real-time: API update to membership visible, p95 of {writes}", Figure.Percentile(latencies, 95), "ms", 1000),
            new Figure("real-time: API update to membership visible, slowest", latencies.Max(), "ms"),
        ];
    }

    private static async Task<(long Count, List<double> Times)> TimeAsync<T>(Func<Task<T>> count)
    {
        var answer = Convert.ToInt64(await count(), System.Globalization.CultureInfo.InvariantCulture);
        var times = new List<double>(Runs);
        for (var run = 0; run < Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            await count();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return (answer, times);
    }

    /// <summary>
    /// Two counts timed as <see cref="TimeAsync"/> does, their runs in turn (one of each, then the next), so that the
    /// machine's pace, which drifts over seconds on a shared host, weighs on both alike and not on their ratio; short
    /// counts run more often (<see cref="MostRunsInTurn"/>).
    /// </summary>
    private static async Task<((long Count, List<double> Times) First, (long Count, List<double> Times) Second)> TimeInTurnAsync<T, TOther>(
        Func<Task<T>> first, Func<Task<TOther>> second)
    {
        var answers = (Convert.ToInt64(await first(), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(await second(), System.Globalization.CultureInfo.InvariantCulture));
        var (firstTimes, secondTimes) = (new List<double>(Runs), new List<double>(Runs));
        var timing = Stopwatch.StartNew();
        for (var run = 0; run < Runs || (run < MostRunsInTurn && timing.Elapsed < InTurnFor); run++)
        {
            var clock = Stopwatch.StartNew();
            await first();
            firstTimes.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await second();
            secondTimes.Add(clock.Elapsed.TotalMilliseconds);
        }

        return ((answers.Item1, firstTimes), (answers.Item2, secondTimes));
    }

    private static async Task<object> ScalarAsync(NpgsqlConnection connection, string sql, Guid tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        if (sql.Contains("$2", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
        }

        return (await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static AsyncServiceScope For(ServiceProvider services, Guid tenantId)
    {
        var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        return scope;
    }

    /// <summary>The statement the engine counts a definition's matches with (<c>MatchedIds.Counting</c>), on its context's connection (app role, tenant set).</summary>
    private sealed class EngineQuery : IAsyncDisposable
    {
        private readonly AsyncServiceScope _scope;
        private readonly System.Data.Common.DbCommand _command;
        private readonly string _sql;

        private EngineQuery(AsyncServiceScope scope, System.Data.Common.DbCommand command)
        {
            (_scope, _command, _sql) = (scope, command, command.CommandText);
        }

        public static async Task<EngineQuery> CreateAsync(ServiceProvider services, Guid tenantId, RuleGroup definition, CancellationToken cancellationToken)
        {
            var scope = For(services, tenantId);
            var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
            var compiled = await scope.ServiceProvider.GetRequiredService<RuleQueries>().CompileAsync(definition, null, cancellationToken);
            await db.Database.OpenConnectionAsync(cancellationToken);
            var command = compiled.Matches.Ids.CreateDbCommand();
            command.CommandText = compiled.Matches.Counting(command.CommandText);
            command.CommandTimeout = 300;
            return new EngineQuery(scope, command);
        }

        /// <summary>
        /// The context's connection, on which the hand-written SQL is timed too: two connections are two server
        /// processes, and on two cores the same 7 ms count timed 1.2 ms apart on two of them, run after run.
        /// </summary>
        public NpgsqlConnection Connection => (NpgsqlConnection)_command.Connection!;

        public async Task<long> CountAsync(CancellationToken cancellationToken) => (int)(await _command.ExecuteScalarAsync(cancellationToken))!;

        /// <summary>EXPLAIN (ANALYZE, BUFFERS) of the count.</summary>
        public async Task<string> PlanAsync(CancellationToken cancellationToken)
        {
            _command.CommandText = $"EXPLAIN (ANALYZE, BUFFERS) {_sql}";
            var plan = new StringBuilder();
            await using var reader = await _command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                plan.AppendLine(reader.GetString(0));
            }

            return plan.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            await _command.DisposeAsync();
            await _scope.DisposeAsync();
        }
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    internal static void Progress(string message) => Console.Error.WriteLine($"bench: {message}");
}
