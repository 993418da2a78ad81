using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Segmenter.Core.Data;

/// <summary>
/// EF Core's SQL for a query, placed inside a statement LINQ cannot say (<c>INSERT … SELECT</c>, data-modifying
/// CTEs, <c>count(DISTINCT)</c> of a query's rows): EF's parameters come along, the statement's own are added,
/// and it joins the context's transaction.
/// </summary>
internal static class QueryStatements
{
    public static DbCommand Around(this SegmenterDbContext db, IQueryable query, Func<string, string> statement, params NpgsqlParameter[] parameters)
    {
        var command = query.CreateDbCommand();
        command.CommandText = statement(command.CommandText);
        command.Parameters.AddRange(parameters);
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return command;
    }
}
