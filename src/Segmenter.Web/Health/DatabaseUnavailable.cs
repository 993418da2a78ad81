using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Segmenter.Web.Api;

namespace Segmenter.Web.Health;

/// <summary>
/// An API request that fails because PostgreSQL cannot be reached (down, restarting, out of connections)
/// answers 503 with <c>Retry-After</c> and a problem document, not a 500: the client can try again.
/// </summary>
internal sealed class DatabaseUnavailable(IProblemDetailsService problems) : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (!http.IsApi() || !IsUnreachable(exception))
        {
            return false;
        }

        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Detail = $"The database is not answering; try again in {RetryAfterSeconds} seconds.",
            },
        });
    }

    private static bool IsUnreachable(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }
}
