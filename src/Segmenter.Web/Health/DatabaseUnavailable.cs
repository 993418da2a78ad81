using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Segmenter.Web.Api;

namespace Segmenter.Web.Health;

/// <summary>
/// An API request that fails because PostgreSQL cannot be reached (down, restarting, out of connections)
/// answers 503 with <c>Retry-After</c> and a problem document, not a 500: the client can try again.
/// </summary>
internal sealed class DatabaseUnavailable : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (!http.IsApi() || !IsUnreachable(exception))
        {
            return false;
        }

        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TypedResults.Problem($"The database is not answering; try again in {RetryAfterSeconds} seconds.", statusCode: StatusCodes.Status503ServiceUnavailable)
            .ExecuteAsync(http);
        return true;
    }

    /// <summary>
    /// The database cannot be reached: a connection that failed to open or broke (a network or timeout error under
    /// Npgsql's exception), or the server refusing connections (08 connection exceptions, 57P0x shutdown, 53300 too many).
    /// Serialization failures and deadlocks are transient too, but the database is answering: they stay 500s.
    /// </summary>
    private static bool IsUnreachable(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            switch (exception)
            {
                case PostgresException { SqlState: var state } when state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("57P0", StringComparison.Ordinal) || state == "53300":
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException }:
                    return true;
            }
        }

        return false;
    }
}
