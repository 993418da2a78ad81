using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Segmenter.Core.Data;

/// <summary>Reads a marketer waits for (counts, previews, audiences), stopped by PostgreSQL when they run too long.</summary>
public static class TimedReads
{
    /// <summary>
    /// Runs one read under a statement timeout of <paramref name="milliseconds"/>, in a transaction of its own
    /// (<c>SET LOCAL</c>); inside a caller's transaction it runs as it is. A timeout becomes a
    /// <see cref="QueryTimeoutException"/> naming <paramref name="what"/>; a cancellation stays a cancellation.
    /// </summary>
    public static async Task<T> TimedAsync<T>(this SegmenterDbContext db, Func<Task<T>> read, string what, int milliseconds, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await read();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT set_config('statement_timeout', {milliseconds.ToString(CultureInfo.InvariantCulture)}, true)", cancellationToken);
        try
        {
            var result = await read();
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch (PostgresException canceled) when (canceled.SqlState == PostgresErrorCodes.QueryCanceled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The read was cancelled.", canceled, cancellationToken);
        }
        catch (PostgresException timedOut) when (timedOut.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            throw new QueryTimeoutException(
                $"The {what} took longer than {(milliseconds < 1000 ? $"{milliseconds} ms" : $"{milliseconds / 1000.0:0.#} s")} and was stopped. Narrow the rules (a shorter time window, fewer events) or try again later.", timedOut);
        }
    }
}
