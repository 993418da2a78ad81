using Hangfire;
using Hangfire.AspNetCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Membership;
using Segmenter.Core.Segments;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Membership;

/// <summary>Two app nodes (two service providers, each with its own Hangfire server) on one database through one sweep.</summary>
[Collection(HangfireTests.Name)]
public sealed class TwoNodesShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private const int Segments = 30;
    private static readonly DateTimeOffset Created = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Refresh_each_segment_exactly_once_per_sweep_with_both_nodes_working_and_nothing_lost()
    {
        var ct = TestContext.Current.CancellationToken;
        var storage = HangfireTests.Storage(database.ConnectionString);
        void UseStorage(IServiceCollection services) => services.AddSingleton<IBackgroundJobClient>(new BackgroundJobClient(storage));
        await using var first = MembershipHost.Create(database, Created, UseStorage);
        await using var second = MembershipHost.Create(database, Created, UseStorage);

        var tenant = await database.NewTenantAsync();
        await first.AddContactsAsync(tenant.Id, Enumerable.Range(0, 60).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@nodes.test", Country = $"Country {i % Segments}",
        }));
        var segments = new List<Segment>();
        await using (var scope = first.For(tenant.Id))
        {
            for (var i = 0; i < Segments; i++)
            {
                segments.Add(await RefreshShould.CreateDynamicAsync(scope, $"Country {i}",
                    $$"""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Country {{i}}"}]}"""));
            }
        }

        // Every contact moves one country on: each segment loses its two and gains two others.
        await using (var db = database.CreateContext(tenant.Id))
        {
            await db.Database.ExecuteSqlAsync(
                $"UPDATE contacts SET country = 'Country ' || ((split_part(country, ' ', 2)::int + 1) % {Segments}) WHERE tenant_id = {tenant.Id}", ct);
        }

        first.Clock.Now = second.Clock.Now = Created.AddMinutes(5);
        using var firstServer = Server(first, storage, "node-a");
        using var secondServer = Server(second, storage, "node-b");
        var started = DateTime.UtcNow.AddSeconds(30);
        while (await ScalarAsync("SELECT count(*) FROM hangfire.server WHERE id LIKE 'node-a:%' OR id LIKE 'node-b:%'") < 2)
        {
            Assert.True(DateTime.UtcNow < started, "both Hangfire servers did not start within 30 s");
            await Task.Delay(100, ct);
        }

        Assert.Equal(Segments, await first.Services.GetRequiredService<SweepJob>().RunAsync(ct));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await RefreshedAsync(tenant.Id) < Segments)
        {
            Assert.True(DateTime.UtcNow < deadline, "the sweep's jobs did not finish within 60 s");
            await Task.Delay(100, ct);
        }

        // Exactly once: one refresh job per segment, each processed once (a second run would add a Processing state).
        var jobs = await RefreshJobsAsync();
        foreach (var segment in segments)
        {
            var job = Assert.Single(jobs, j => j.Arguments.Contains(segment.Id.ToString(), StringComparison.OrdinalIgnoreCase));
            Assert.Equal(1, job.Processed);
        }

        await using var check = database.CreateContext(tenant.Id);
        foreach (var segment in segments)
        {
            var expected = await check.Contacts.Where(c => c.Country == segment.Name).Select(c => c.Id).ToListAsync(ct);
            Assert.Equal(expected.ToHashSet(), await first.MembersAsync(tenant.Id, segment.Id));
        }

        Assert.Equal(["node-a", "node-b"], await ServersThatRefreshedAsync());
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>Every refresh job with its arguments and how many times a worker started it.</summary>
    private async Task<List<(string Arguments, long Processed)>> RefreshJobsAsync()
    {
        await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT j.arguments::text, count(s.id) FILTER (WHERE s.name = 'Processing')
            FROM hangfire.job AS j LEFT JOIN hangfire.state AS s ON s.jobid = j.id
            WHERE j.invocationdata::text LIKE '%RefreshJob%'
            GROUP BY j.id, j.arguments::text
            """, connection);
        var jobs = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            jobs.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return jobs;
    }

    private static BackgroundJobServer Server(MembershipHost node, JobStorage storage, string name) => new(
        new BackgroundJobServerOptions
        {
            ServerName = name, WorkerCount = 2, SchedulePollingInterval = TimeSpan.FromMilliseconds(200),
            Activator = new AspNetCoreJobActivator(node.Services.GetRequiredService<IServiceScopeFactory>()),
        },
        storage);

    private async Task<int> RefreshedAsync(Guid tenantId)
    {
        await using var db = database.CreateContext(tenantId);
        return await db.Segments.CountAsync(s => s.LastEvaluatedAt == Created.AddMinutes(5), TestContext.Current.CancellationToken);
    }

    /// <summary>The names of the Hangfire servers that processed a refresh job (Hangfire names a server "name:pid:guid").</summary>
    private async Task<List<string>> ServersThatRefreshedAsync()
    {
        await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT DISTINCT split_part(s.data::jsonb ->> 'ServerId', ':', 1)
            FROM hangfire.state AS s JOIN hangfire.job AS j ON j.id = s.jobid
            WHERE s.name = 'Processing' AND j.invocationdata::jsonb ->> 'Type' LIKE '%RefreshJob%'
            ORDER BY 1
            """, connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
