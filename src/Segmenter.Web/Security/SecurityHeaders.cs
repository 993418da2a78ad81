using Segmenter.Web.Api;

namespace Segmenter.Web.Security;

/// <summary>
/// Headers on every response that tell the browser what this app never does: be framed, have its content
/// types sniffed, leak full URLs to other sites, take a base URL or a form target from elsewhere, or embed
/// plugins. The API's JSON gets no content sources at all; its reference page and the app's pages keep
/// theirs (Blazor's import map is an inline script, so scripts are not restricted by source here).
/// </summary>
internal static class SecurityHeaders
{
    private const string PagePolicy = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            // When the response starts, so that an error handler clearing the response does not drop them.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                headers.ContentSecurityPolicy = http.IsApi() && !http.Request.Path.StartsWithSegments(ApiSetup.ReferencePath) ? ApiPolicy : PagePolicy;
                return Task.CompletedTask;
            });
            return next(http);
        });
}
