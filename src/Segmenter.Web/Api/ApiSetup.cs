using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Scalar.AspNetCore;
using Segmenter.Core.Tenancy;

namespace Segmenter.Web.Api;

/// <summary>The REST API of DESIGN section 5: authentication by API key, roles, JSON in snake_case, problem details.</summary>
internal static class ApiSetup
{
    public const string AnyRolePolicy = "api";
    public const string MarketerPolicy = "api-marketer";
    public const string AdminPolicy = "api-admin";

    /// <summary>The rate limit of <c>/api/v1</c>, per API key (<c>Segmenter:Api:RequestsPerMinute</c>).</summary>
    public const string RatePolicy = "api-key-rate";

    /// <summary>The API's reference page (an HTML page under <c>/api</c>).</summary>
    public const string ReferencePath = "/api/docs";

    public static WebApplicationBuilder AddSegmenterApi(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes(builder.Configuration));
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DictionaryKeyPolicy = null;
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new() { Title = "Segmenter API", Version = "v1", Description = "Contacts, events, segments and campaign audiences of one tenant. Authenticate with `Authorization: Bearer <API key>`." };
            document.Components ??= new();
            document.Components.SecuritySchemes ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["ApiKey"] = new Microsoft.OpenApi.OpenApiSecurityScheme
            {
                Type = Microsoft.OpenApi.SecuritySchemeType.Http, Scheme = "bearer", Description = "A tenant API key (sgk_…), or the system key for /api/system.",
            };
            return Task.CompletedTask;
        }));
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        var requestsPerMinute = builder.Configuration.GetValue("Segmenter:Api:RequestsPerMinute", 1200);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Each key has its own window; the key is known here because authorization has authenticated it.
            limiter.AddPolicy(RatePolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? http.Connection.RemoteIpAddress?.ToString() ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = requestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 60;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                        $"This API key made more than {requestsPerMinute:N0} requests in a minute; try again within {retryAfter} s.",
                        statusCode: StatusCodes.Status429TooManyRequests)
                    .ExecuteAsync(context.HttpContext);
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AnyRolePolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireRole(TenantRole.All))
            .AddPolicy(MarketerPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireRole(TenantRole.Admin, TenantRole.Marketer))
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireRole(TenantRole.Admin));
        return builder;
    }

    public static WebApplication MapSegmenterApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(ReferencePath, scalar => scalar.WithTitle("Segmenter API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapSystemApi();
        var api = app.MapGroup("/api/v1").RequireAuthorization(AnyRolePolicy).RequireRateLimiting(RatePolicy).AddEndpointFilter<ApiErrors>();
        api.MapFieldsApi();
        api.MapSegmentsApi();
        api.MapContactsApi();
        api.MapCampaignsApi();
        return app;
    }

    /// <summary>
    /// A 413 problem for a declared body over the limit, before anything reads it. Kestrel also enforces the
    /// limit on bodies without a length; reading past it throws, and <see cref="ApiErrors"/> answers 413.
    /// </summary>
    public static IApplicationBuilder UseApiBodyLimit(this IApplicationBuilder api, IConfiguration configuration)
    {
        var limit = MaxBodyBytes(configuration);
        return api.Use(async (http, next) =>
        {
            if (http.Request.ContentLength > limit)
            {
                await TypedResults.Problem($"The body is larger than the {limit:N0} bytes this server accepts.", statusCode: StatusCodes.Status413PayloadTooLarge)
                    .ExecuteAsync(http);
                return;
            }

            await next(http);
        });
    }

    /// <summary>The largest request body (and CSV upload in the UI), from <c>Segmenter:Api:MaxBodyBytes</c>; 32 MB by default.</summary>
    public static long MaxBodyBytes(IConfiguration configuration) => configuration.GetValue<long>("Segmenter:Api:MaxBodyBytes", 32 * 1024 * 1024);

    public static bool IsApi(this HttpContext http) => http.Request.Path.StartsWithSegments("/api");
}
