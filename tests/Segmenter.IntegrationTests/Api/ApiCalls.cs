using System.Net;
using System.Text;
using System.Text.Json;

namespace Segmenter.IntegrationTests.Api;

/// <summary>The HTTP calls and checks the API tests share.</summary>
internal static class ApiCalls
{
    public static async Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json) =>
        await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    public static async Task<HttpResponseMessage> PutJsonAsync(HttpClient client, string path, string json) =>
        await client.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path) =>
        await ReadAsync(await client.GetAsync(path, TestContext.Current.CancellationToken));

    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
    }

    /// <summary>Asserts the status and an RFC 7807 body, and returns the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var problem = await ReadAsync(response, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
