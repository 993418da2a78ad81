using Npgsql;

namespace Segmenter.Core.Data;

/// <summary>
/// Binary COPY into a tenant table. PostgreSQL refuses COPY FROM into a table under row-level security
/// (ADR-009), so the rows go into a temporary table of the same columns first, then in with one
/// <c>INSERT … SELECT</c> that the tenant policy checks like any insert. Runs inside the caller's transaction.
/// The insert has the connection's command timeout unless <c>commandTimeoutSeconds</c> says otherwise (0: none,
/// for a seed of millions of rows).
/// </summary>
internal static class StagedCopy
{
    /// <returns>How many rows were inserted.</returns>
    public static async Task<int> CopyAsync(
        NpgsqlConnection connection,
        string table,
        string columns,
        Func<NpgsqlBinaryImporter, CancellationToken, Task> writeRows,
        CancellationToken cancellationToken,
        int? commandTimeoutSeconds = null)
    {
        var staged = $"{table}_staged";
        await ExecuteAsync(connection, $"CREATE TEMP TABLE {staged} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA", cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {staged} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            await writeRows(copy, cancellationToken);
            await copy.CompleteAsync(cancellationToken);
        }

        var inserted = await ExecuteAsync(connection, $"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staged}", cancellationToken, commandTimeoutSeconds);
        await ExecuteAsync(connection, $"DROP TABLE {staged}", cancellationToken);
        return inserted;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, int? commandTimeoutSeconds = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (commandTimeoutSeconds is { } seconds)
        {
            command.CommandTimeout = seconds;
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
