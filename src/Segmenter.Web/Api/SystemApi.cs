using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;

namespace Segmenter.Web.Api;

/// <summary><c>POST /api/system/tenants</c>: provisioning, guarded by the system key (<c>Segmenter:SystemApiKey</c>).</summary>
internal static class SystemApi
{
    public sealed record TenantCreated(Guid Id, string Slug, string Name, string TimeZone, string Shard, string ApiKey);

    public static IEndpointRouteBuilder MapSystemApi(this IEndpointRouteBuilder app)
    {
        var system = app.MapGroup("/api/system").AddEndpointFilter<ApiErrors>().WithTags("System");
        system.MapPost("/tenants", CreateTenant).Accepts<ProvisionTenantRequest>("application/json");
        return app;
    }

    private static async Task<Results<Created<TenantCreated>, ProblemHttpResult>> CreateTenant(
        HttpContext http, IConfiguration configuration, ProvisionTenant provision, CancellationToken cancellationToken)
    {
        if (!IsSystemKey(http.Request.Headers.Authorization.ToString(), configuration["Segmenter:SystemApiKey"]))
        {
            return TypedResults.Problem("A valid system key is required: Authorization: Bearer <Segmenter:SystemApiKey>.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var request = await ApiJson.ReadAsync<ProvisionTenantRequest>(http.Request, cancellationToken);
        var (tenant, apiKey) = await provision.HandleAsync(request, cancellationToken);
        return TypedResults.Created($"/api/system/tenants/{tenant.Id}", new TenantCreated(tenant.Id, tenant.Slug, tenant.Name, tenant.TimeZone, tenant.Shard ?? DatabaseTopology.HomeName, apiKey));
    }

    private static bool IsSystemKey(string header, string? systemKey) =>
        !string.IsNullOrEmpty(systemKey)
        && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim())),
            SHA256.HashData(Encoding.UTF8.GetBytes(systemKey)));
}
