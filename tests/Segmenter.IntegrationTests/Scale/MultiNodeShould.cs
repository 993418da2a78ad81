using System.Net;
using System.Text.RegularExpressions;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Membership;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Api;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Scale;

/// <summary>Two nodes of the app on one database, as two processes behind a load balancer would be.</summary>
[Collection(HangfireTests.Name)]
public sealed partial class MultiNodeShould(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Password = "A-long-enough-passw0rd";

    [Fact]
    public async Task Share_one_sweep_between_the_nodes_and_refresh_each_segment_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var second = host.Node();
        using var _ = second.CreateClient();
        var (tenantId, admin, _) = await host.ProvisionAsync();
        await ReadAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch",
            """{"contacts":[{"email":"a@x.test","country":"Norway"},{"email":"b@x.test","country":"Chile"}]}"""));
        var segments = new List<Guid>();
        for (var i = 0; i < 24; i++)
        {
            var country = i % 2 == 0 ? "Norway" : "Chile";
            var definition = $$"""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"{{country}}"}]}""";
            var created = await ReadAsync(
                await PostJsonAsync(admin, "/api/v1/segments", $$"""{"name":"Segment {{i}}","type":"dynamic","definition":{{definition}}}"""), HttpStatusCode.Created);
            segments.Add(created.GetProperty("id").GetGuid());
        }

        var sweepStarted = await ScaleClusters.ScalarAsync<DateTime>(host.OwnerConnectionString, "SELECT now()", ct);
        var jobsBefore = await ScaleClusters.ScalarAsync<long>(host.OwnerConnectionString, "SELECT coalesce(max(id), 0) FROM hangfire.job", ct);
        host.Factory.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<SweepJob>(sweep => sweep.RunAsync(CancellationToken.None));

        // Each of this tenant's refresh jobs since the sweep: its segment, its final state, the server that ran it.
        var jobsSql = $"""
            SELECT j.arguments::text, coalesce(j.statename, ''), (SELECT s.data ->> 'ServerId' FROM hangfire.state AS s WHERE s.jobid = j.id AND s.name = 'Processing' ORDER BY s.id DESC LIMIT 1)
            FROM hangfire.job AS j
            WHERE j.invocationdata::text LIKE '%RefreshJob%' AND j.arguments::text LIKE '%{tenantId}%' AND j.id > {jobsBefore}
            """;
        List<(string Arguments, string State, string? Server)> jobs = [];
        for (var waited = 0; waited < 600 && !(jobs.Count == segments.Count && jobs.All(j => j.State == "Succeeded")); waited++)
        {
            await Task.Delay(100, ct);
            jobs = await RowsAsync(host.OwnerConnectionString, jobsSql, ct);
        }

        Assert.All(jobs, job => Assert.Equal("Succeeded", job.State));
        Assert.Equal(segments.Order(), jobs.Select(j => segments.Single(s => j.Arguments.Contains(s.ToString(), StringComparison.Ordinal))).Order());
        Assert.Equal(2, jobs.Select(j => j.Server).Distinct().Count());
        var refreshed = await ScaleClusters.ScalarAsync<long>(host.OwnerConnectionString,
            $"SELECT count(*) FROM segments WHERE tenant_id = '{tenantId}' AND last_evaluated_at >= '{sweepStarted:O}'", ct);
        Assert.Equal(segments.Count, refreshed);
    }

    [Fact]
    public async Task Accept_a_sign_in_cookie_of_one_node_on_the_other_with_one_key_ring_in_the_database()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, _, _) = await host.ProvisionAsync();
        var email = $"{Guid.NewGuid():N}@nodes.test";
        await using (var scope = host.Factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            await scope.ServiceProvider.GetRequiredService<TenantAdministration>().AddMemberAsync(email, TenantRole.Marketer, Password, ct);
        }

        using var first = host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var form = await first.GetStringAsync(new Uri("/account/login", UriKind.Relative), ct);
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        using var signIn = await first.PostAsync(new Uri("/account/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["__RequestVerificationToken"] = token, ["Input.Email"] = email, ["Input.Password"] = Password,
        }), ct);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("segmenter=", StringComparison.Ordinal)).Split(';')[0];

        await using var second = host.Node();
        using var other = second.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var anonymous = await other.GetAsync(new Uri("/segments", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/segments") { Headers = { { "Cookie", cookie } } };
        using var page = await other.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        // One key ring, in the database, read by both: the second node made no key of its own.
        var keys = await ScaleClusters.ScalarAsync<long>(host.OwnerConnectionString, "SELECT count(*) FROM data_protection_keys WHERE xml LIKE '<key %'", ct);
        Assert.Equal(1, keys);
        var secret = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("nodes").Protect("from the second node");
        Assert.Equal("from the second node", host.Factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("nodes").Unprotect(secret));
    }

    private static async Task<List<(string, string, string?)>> RowsAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<(string, string, string?)>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return rows;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
