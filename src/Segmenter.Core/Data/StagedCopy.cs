using Npgsql;

namespace Segmenter.Core.Data;

/// <summary>
/// Binary COPY into a tenant table. PostgreSQL refuses COPY FROM into a table under row-level security
/// (ADR-009), so the rows go into a temporary table of the same columns first, then in with one
/// <c>INSERT … SELECT</c> that the tenant policy checks like any insert. Runs inside the caller's transaction.
/// </summary>
internal static class StagedCopy
{
    /// <returns>How many rows were inserted.</returns>
    public static async Task<int> CopyAsync(
        NpgsqlConnection connection, string table, string columns, Func<NpgsqlBinaryImporter, CancellationToken, Task> writeRows, CancellationToken cancellationToken)
    {
        var staged = $"{table}_staged";
        await ExecuteAsync(connection, $"CREATE TEMP TABLE {staged} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA", cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {staged} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            await writeRows(copy, cancellationToken);
            await copy.CompleteAsync(cancellationToken);
        }

        var inserted = await ExecuteAsync(connection, $"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staged}", cancellationToken);
        await ExecuteAsync(connection, $"DROP TABLE {staged}", cancellationToken);
        return inserted;
    }

    /// <summary>Without a command timeout, like the COPY it completes: a large seed takes as long as it takes.</summary>
    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
