using System.Text.Json;

namespace Segmenter.Web.Api;

/// <summary>Reading request bodies inside the endpoint, so that every failure (bad JSON, 413) goes through <see cref="ApiErrors"/>.</summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 64,
    };

    /// <exception cref="JsonException">Not JSON, or not the shape of <typeparamref name="T"/>; its path says where.</exception>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) =>
        await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken)
        ?? throw new JsonException("The body is empty or null.", "$", null, null);

    public static async Task<JsonDocument> ReadDocumentAsync(HttpRequest request, CancellationToken cancellationToken) =>
        await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 64 }, cancellationToken);
}
