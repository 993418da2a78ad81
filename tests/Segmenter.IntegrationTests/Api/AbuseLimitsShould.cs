using System.Net;
using Microsoft.AspNetCore.Hosting;
using Npgsql;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

/// <summary>An API host with a rate limit of 5 requests a minute per key and a 1 ms statement timeout for counts and previews.</summary>
public sealed class LimitedApiHost : ApiHost
{
    public const int RequestsPerMinute = 5;

    protected override IWebHostBuilder Configure(IWebHostBuilder web) => web
        .UseSetting("Segmenter:Api:RequestsPerMinute", RequestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .UseSetting("Segmenter:Limits:QueryTimeoutMs", "1");
}

[Collection(HangfireTests.Name)]
public sealed class AbuseLimitsShould(LimitedApiHost host) : IClassFixture<LimitedApiHost>
{
    [Fact]
    public async Task Answer_429_with_retry_after_to_a_key_past_its_rate_and_leave_other_keys_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, busy, _) = await host.ProvisionAsync();
        var (_, calm, _) = await host.ProvisionAsync();

        for (var i = 0; i < LimitedApiHost.RequestsPerMinute; i++)
        {
            using var allowed = await busy.GetAsync("/api/v1/fields", ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await busy.GetAsync("/api/v1/fields", ct);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        var problem = await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        using var other = await calm.GetAsync("/api/v1/fields", ct);

        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        Assert.Contains("more than 5 requests in a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Stop_a_count_or_an_audience_count_past_its_statement_timeout_and_say_so_with_a_503()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenant, admin, _) = await host.ProvisionAsync();
        await using (var connection = new NpgsqlConnection(host.OwnerConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO contacts (tenant_id, id, email, status, created_at, updated_at, tags, attributes)
                SELECT @tenant, gen_random_uuid(), 'c' || n || '@timeout.test', 'subscribed', now(), now(), '{}', '{}'
                FROM generate_series(1, 200000) AS n
                """, connection);
            insert.Parameters.AddWithValue("tenant", tenant);
            await insert.ExecuteNonQueryAsync(ct);
        }

        using var response = await PostJsonAsync(admin, "/api/v1/segments/preview",
            """{"definition":{"logic":"and","rules":[{"field":"email","operator":"contains","value":"9@timeout"}]}}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.StartsWith("The count took longer than 1 ms and was stopped.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A refresh is not a count a marketer waits on: it fills the segment whatever the timeout.
        using var created = await PostJsonAsync(admin, "/api/v1/segments",
            """{"name":"Everyone subscribed","type":"dynamic","definition":{"logic":"and","rules":[{"field":"status","operator":"equals","value":"subscribed"}]}}""");
        var segment = (await ReadAsync(created, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var audience = await PostJsonAsync(admin, "/api/v1/campaigns/audience/count", $$"""{"include":["{{segment}}"]}""");

        var audienceProblem = await AssertProblemAsync(audience, HttpStatusCode.ServiceUnavailable);
        Assert.StartsWith("The audience count took longer than 1 ms and was stopped.", audienceProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_security_headers_on_pages_and_on_the_api()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin, _) = await host.ProvisionAsync();
        using var anonymous = host.Anonymous();

        using var page = await anonymous.GetAsync("/account/login", ct);
        using var api = await admin.GetAsync("/api/v1/segments", ct);
        using var missing = await admin.GetAsync($"/api/v1/segments/{Guid.NewGuid()}", ct);

        foreach (var response in new[] { page, api, missing })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        }

        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("form-action 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none'", api.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
