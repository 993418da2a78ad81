using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Segmenter.Core.Data;

namespace Segmenter.Web.Health;

internal static class HealthEndpoints
{
    public static WebApplicationBuilder AddSegmenterHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddDbContextCheck<SegmenterDbContext>("database");
        builder.Services.AddExceptionHandler<DatabaseUnavailable>();
        return builder;
    }

    /// <summary><c>GET /health</c>: 200 with <c>{"status":"Healthy",...}</c> while PostgreSQL answers, 503 when it does not.</summary>
    public static WebApplication MapSegmenterHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteJsonAsync });
        return app;
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
