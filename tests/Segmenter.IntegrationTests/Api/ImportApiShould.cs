using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Api;

/// <summary>CSV imports through the API and a Hangfire job of the web host.</summary>
[Collection(HangfireTests.Name)]
public sealed class ImportApiShould(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Import_accepted_lines_into_a_list_and_report_each_rejected_line_with_its_reasons()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin, _) = await host.ProvisionAsync();
        var (_, stranger, _) = await host.ProvisionAsync();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/fields", new { key = "lifetime_value", label = "Lifetime value", type = "number" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/fields", new { key = "plan", label = "Plan", type = "choice", options = (string[])["Free", "Pro"] }, ct)).StatusCode);
        using var listResponse = await admin.PostAsJsonAsync("/api/v1/segments", new { name = "Webinar", type = "static" }, ct);
        var list = JsonDocument.Parse(await listResponse.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetGuid();

        const string csv = """
            Email,First Name,Country,Lifetime value,Plan,Shoe size,Tags
            ann@example.com,Ann,Norway,1200,pro,42,vip;beta
            not-an-email,Bob,Chile,10,Free,,
            carl@example.com,Carl,Chile,lots,Gold,,
            ANN@example.com,Annie,,,,,
            """;
        using var accepted = await UploadAsync(admin, csv, list.ToString());
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetGuid();

        var import = await WaitForAsync(admin, id);
        Assert.Equal(("succeeded", 4, 2, 2), (import.GetProperty("status").GetString(), import.GetProperty("processed_rows").GetInt32(), import.GetProperty("accepted").GetInt32(), import.GetProperty("rejected").GetInt32()));
        Assert.Equal(["Shoe size"], import.GetProperty("ignored_columns").EnumerateArray().Select(c => c.GetString()));
        var reasons = import.GetProperty("rejected_rows").EnumerateArray()
            .Select(r => (r.GetProperty("line").GetInt32(), string.Join(",", r.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order()))).ToList();
        Assert.Equal([(3, "email"), (4, "lifetime_value,plan")], reasons);

        using var members = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/segments/{list}/contacts", ct));
        var ann = Assert.Single(members.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(("ann@example.com", "Annie", "Norway"), (ann.GetProperty("email").GetString(), ann.GetProperty("first_name").GetString(), ann.GetProperty("country").GetString()));
        Assert.Equal(["vip", "beta"], ann.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(("Pro", 1200m), (ann.GetProperty("attributes").GetProperty("plan").GetString(), ann.GetProperty("attributes").GetProperty("lifetime_value").GetDecimal()));

        await AssertProblemAsync(await stranger.GetAsync($"/api/v1/imports/{id}", ct), HttpStatusCode.NotFound);
        var noEmail = await AssertProblemAsync(await UploadAsync(admin, "Name,Country\nAnn,Norway\n", null), HttpStatusCode.BadRequest);
        Assert.True(noEmail.GetProperty("errors").TryGetProperty("file", out _), noEmail.ToString());
        var foreignList = await AssertProblemAsync(await UploadAsync(stranger, csv, list.ToString()), HttpStatusCode.BadRequest);
        Assert.True(foreignList.GetProperty("errors").TryGetProperty("segment_id", out _), foreignList.ToString());
        var twice = await AssertProblemAsync(await UploadAsync(admin, "Email,Country,Country\nann@example.com,Norway,Chile\n", null), HttpStatusCode.BadRequest);
        Assert.Contains("'Country' more than once", twice.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        var unnamed = await AssertProblemAsync(await UploadAsync(admin, "Email,,Country\nann@example.com,x,Norway\n", null), HttpStatusCode.BadRequest);
        Assert.Contains("Column 2", unnamed.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
    }

    /// <summary>A failed attempt keeps the file for Hangfire's retry, which then imports it; the last failed attempt lets it go.</summary>
    [Fact]
    public async Task Keep_the_file_after_a_failed_attempt_so_that_the_retry_imports_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, _) = await host.ProvisionAsync();
        const string csv = "Email,Country\nann@example.com,Norway\nbob@example.com,Chile\n";
        using var accepted = await UploadAsync(admin, csv, null);
        var id = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetGuid();
        await WaitForAsync(admin, id);

        // The state of an attempt that broke off half-way: running, with the file.
        await using var scope = host.Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var imports = scope.ServiceProvider.GetRequiredService<ImportContacts>();
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        async Task BreakOffAsync() => await db.ContactImports.Where(i => i.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, ContactImport.Running).SetProperty(i => i.Content, Encoding.UTF8.GetBytes(csv)), ct);

        await BreakOffAsync();
        await imports.FailAsync(id, "The connection was reset.", last: false, ct);
        var waiting = await imports.GetAsync(id, ct);
        Assert.Equal((ContactImport.Queued, "The connection was reset. It will be tried again.", true), (waiting.Status, waiting.Error, waiting.Content is not null));

        await imports.RunAsync(id, scope.ServiceProvider.GetRequiredService<UpsertContacts>(), scope.ServiceProvider.GetRequiredService<ListMembers>(), ct);
        var retried = await imports.GetAsync(id, ct);
        Assert.Equal((ContactImport.Succeeded, 2, (string?)null), (retried.Status, retried.Accepted, retried.Error));

        await BreakOffAsync();
        await imports.FailAsync(id, "The connection was reset.", last: true, ct);
        var failed = await imports.GetAsync(id, ct);
        Assert.Equal((ContactImport.Failed, "The connection was reset.", false), (failed.Status, failed.Error, failed.Content is not null));
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string csv, string? segmentId)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(csv)), "file", "contacts.csv");
        if (segmentId is not null)
        {
            form.Add(new StringContent(segmentId), "segment_id");
        }

        return await client.PostAsync("/api/v1/contacts/import", form, TestContext.Current.CancellationToken);
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient client, Guid importId)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var document = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/imports/{importId}", TestContext.Current.CancellationToken));
            if (document.RootElement.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return document.RootElement.Clone();
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the import did not finish within 30 s: {document.RootElement}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
