using System.Data.Common;
using System.Diagnostics;
using System.Linq.Expressions;
using System.Text.RegularExpressions;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;

namespace Segmenter.Core.Membership;

/// <summary>What one refresh did: the size after it, who entered and left, and how long the evaluation took.</summary>
public sealed record RefreshResult(int MemberCount, int Entered, int Exited, long DurationMs, DateTimeOffset EvaluatedAt);

/// <summary>
/// Keeps <c>segment_members</c> equal to what each dynamic segment's rules say, for the current tenant.
/// Every change is one set-based statement inside PostgreSQL: the rule tree's predicate (from EF Core)
/// selects the matching ids, and the same statement inserts the new members, deletes the departed ones and
/// logs both to <c>segment_membership_changes</c>. No contact passes through the application.
/// </summary>
/// <remarks>
/// Each change to one segment's members runs in a transaction that first takes a PostgreSQL advisory lock
/// keyed by the segment, so two refreshes of one segment never run side by side, in this process or any
/// other; the second waits for the first and then sees its result. <c>member_count</c> is kept by a
/// statement trigger on <c>segment_members</c> (migration <c>MembershipCounts</c>), so no path that adds or
/// removes members, a deleted contact's cascade included, can leave it wrong.
/// </remarks>
public sealed partial class MembershipEngine(
    SegmenterDbContext db,
    RuleQueries rules,
    IOptions<RefreshOptions> options,
    ILogger<MembershipEngine> logger)
{
    /// <summary>
    /// Re-evaluates a dynamic segment over all of the tenant's contacts, in one transaction, and then the
    /// segments that read it for the contacts that entered or left. The rules are read after the segment's
    /// lock is taken, so a refresh that waited for an edit applies the edited rules.
    /// </summary>
    /// <exception cref="NotFoundException">No live segment with this id in the tenant.</exception>
    /// <exception cref="ConflictException">The segment is static.</exception>
    /// <exception cref="ValidationException">Its definition is no longer valid (recorded as <c>last_error</c>).</exception>
    public async Task<RefreshResult> RefreshAsync(Guid segmentId, CancellationToken cancellationToken)
    {
        RefreshResult result;
        try
        {
            result = await InTransactionAsync(async () =>
            {
                await LockAsync(segmentId, cancellationToken);
                var segment = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
                if (segment.Type != SegmentType.Dynamic)
                {
                    throw new ConflictException("A static segment changes only when someone changes it; it is never refreshed.");
                }

                var definition = segment.Definition is { } json
                    ? RuleJson.ReadDefinition(json.RootElement)
                    : throw new ValidationException([new ValidationFailure("definition", "This dynamic segment has no definition.")]);
                return await EvaluateLockedAsync(segment, await rules.CompileAsync(definition, segmentId, cancellationToken), cancellationToken);
            }, cancellationToken);
        }
        catch (Exception failure) when (failure is not (NotFoundException or ConflictException)
                                        && (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            await RecordFailureAsync(segmentId, failure);
            throw;
        }

        if (db.Database.CurrentTransaction is null && result.Entered + result.Exited > 0)
        {
            await CascadeSafelyAsync(segmentId, result.EvaluatedAt, cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// Fills a new segment, or one whose rules were just changed, with the contacts that match
    /// <paramref name="definition"/> now, inside the caller's transaction when there is one.
    /// </summary>
    public async Task<RefreshResult> EvaluateNewAsync(Guid segmentId, RuleGroup definition, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        var compiled = await rules.CompileAsync(definition, segmentId, cancellationToken);
        return await InTransactionAsync(async () =>
        {
            await LockAsync(segmentId, cancellationToken);
            return await EvaluateLockedAsync(segment, compiled, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>The evaluation itself, in a transaction that holds the segment's lock.</summary>
    private async Task<RefreshResult> EvaluateLockedAsync(Segment segment, CompiledRule compiled, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var now = compiled.Environment.Now;
        var (entered, exited) = await ApplyAsync(segment.TenantId, segment.Id, compiled.Predicate, null, now, cancellationToken);
        var duration = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var memberCount = await RecordEvaluationAsync(segment.TenantId, segment.Id, now, duration, entered, exited, cancellationToken);
        return new RefreshResult(memberCount, entered, exited, duration, now);
    }

    /// <summary>A failure to update the readers is logged, not thrown: the change itself is committed, and the sweep repairs the readers.</summary>
    public async Task CascadeSafelyAsync(Guid segmentId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            await CascadeAsync(segmentId, at, cancellationToken);
        }
        catch (Exception failure) when (failure is DbException or TimeoutException)
        {
            LogCascadeFailed(logger, failure, segmentId);
        }
    }

    /// <summary>
    /// The real-time path: re-evaluates every dynamic segment of the tenant for just these contacts (the same
    /// predicate, asked of each contact by primary key), in dependency order, so a segment that reads another sees
    /// that one's new members. Each segment is its own short transaction; a segment whose definition has
    /// gone bad is logged and skipped, and the others still run.
    /// </summary>
    public async Task ReevaluateContactsAsync(IReadOnlyCollection<Guid> contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Count == 0)
        {
            return;
        }

        var graph = await SegmentGraph.LoadAsync(db, cancellationToken);
        var scope = new ContactScope(MembershipSql.ContactsScope, new NpgsqlParameter("segmenter_contacts", contactIds.ToArray()));
        await ReevaluateAsync(graph.InDependencyOrder, graph, scope, cancellationToken);
    }

    /// <summary>
    /// After the members of <paramref name="segmentId"/> changed at <paramref name="at"/>, re-evaluates the
    /// dynamic segments that read it, directly or through others, for the contacts whose membership changed.
    /// </summary>
    private async Task CascadeAsync(Guid segmentId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var graph = await SegmentGraph.LoadAsync(db, cancellationToken);
        var dependents = graph.DependentsOf(segmentId);
        if (dependents.Count == 0)
        {
            return;
        }

        var scope = new ContactScope(
            MembershipSql.ChangesScope, new NpgsqlParameter("segmenter_source", segmentId), new NpgsqlParameter("segmenter_at", at.ToUniversalTime()));
        await ReevaluateAsync(dependents, graph, scope, cancellationToken);
    }

    private async Task ReevaluateAsync(
        IEnumerable<SegmentNode> segments,
        SegmentGraph graph,
        ContactScope scope,
        CancellationToken cancellationToken)
    {
        var environment = await rules.EnvironmentAsync(cancellationToken);
        var tenantId = await db.Tenants.Select(t => t.Id).SingleAsync(cancellationToken);
        foreach (var segment in segments.Where(s => s.Type == SegmentType.Dynamic))
        {
            CompiledRule compiled;
            try
            {
                compiled = rules.Compile(segment.Definition ?? throw new ValidationException("The stored definition does not parse."), segment.Id, environment, graph);
            }
            catch (ValidationException invalid)
            {
                // The sweep's refresh records the problem on the segment; here it must not stop the other segments.
                LogSkipped(logger, segment.Id, invalid.Message);
                continue;
            }

            try
            {
                await InTransactionAsync(async () =>
                {
                    await LockAsync(segment.Id, cancellationToken);
                    // A scope's look-ups take milliseconds; compiling them to machine code would take longer than running them.
                    await db.Database.ExecuteSqlRawAsync("SELECT set_config('jit', 'off', true)", cancellationToken);
                    // Rules edited while this pass waited for the lock have been applied by the edit: skip, don't undo.
                    var current = await db.Segments.AsNoTracking().Where(s => s.Id == segment.Id)
                        .Select(s => new { s.Definition, s.DeletedAt, s.Type }).SingleOrDefaultAsync(cancellationToken);
                    if (current is not { DeletedAt: null, Type: SegmentType.Dynamic, Definition: { } stored }
                        || RuleJson.Serialize(RuleJson.ReadDefinition(stored.RootElement)) != RuleJson.Serialize(segment.Definition!))
                    {
                        return (0, 0);
                    }

                    return await ApplyAsync(tenantId, segment.Id, compiled.PerContact, scope, environment.Now, cancellationToken);
                }, cancellationToken);
            }
            catch (DbException failure)
            {
                // One segment's failure must not stop the others; the sweep's refresh records and repairs it.
                LogSkipped(logger, segment.Id, failure.Message);
            }
        }
    }

    /// <summary>
    /// The one statement that brings a segment's members in line with its predicate: over every contact
    /// (<paramref name="scope"/> null) or over the contacts of the scope only. Returns (entered, exited).
    /// </summary>
    private async Task<(int Entered, int Exited)> ApplyAsync(
        Guid tenantId,
        Guid segmentId,
        Expression<Func<Contact, bool>> predicate,
        ContactScope? scope,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var contacts = db.Contacts.AsNoTracking();
        var probe = Guid.NewGuid();
        await using var command = db.Around(
            scope is null ? contacts.Where(predicate).Select(c => c.Id) : contacts.Where(c => c.Id == probe).Select(Evaluation(predicate)),
            sql => scope is null
                ? MembershipSql.Full.Replace(MembershipSql.Query, sql, StringComparison.Ordinal)
                : MembershipSql.Scoped.Replace(MembershipSql.Query, sql, StringComparison.Ordinal).Replace(MembershipSql.Scope, scope.Sql, StringComparison.Ordinal),
            new NpgsqlParameter("segmenter_tenant", tenantId),
            new NpgsqlParameter("segmenter_segment", segmentId),
            new NpgsqlParameter("segmenter_now", now.ToUniversalTime()));
        if (scope is not null)
        {
            scope.Correlate(command, probe);
        }

        command.CommandTimeout = options.Value.TimeoutSeconds;

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>The contacts a scoped statement re-evaluates: the query of their ids (<see cref="MembershipSql.Scope"/>) and its parameters.</summary>
    private sealed class ContactScope(string sql, params NpgsqlParameter[] parameters)
    {
        public string Sql => sql;

        /// <summary>
        /// Adds the scope's parameters to <paramref name="command"/> and makes EF's query answer for the scope's
        /// row: its parameter holding <paramref name="probe"/> becomes a reference to <c>scope.id</c>.
        /// </summary>
        public void Correlate(DbCommand command, Guid probe)
        {
            var parameter = command.Parameters.Cast<DbParameter>().Single(p => p.Value is Guid id && id == probe);
            // Rebuilt rather than Remove()d: Npgsql then missed EF's other parameters by name (seen with one left: "column ef_filter__currenttenantid does not exist").
            var kept = command.Parameters.Cast<DbParameter>().Where(p => p != parameter).Concat(parameters.Select(p => p.Clone())).ToArray();
            command.Parameters.Clear();
            command.Parameters.AddRange(kept);
            command.CommandText = Regex.Replace(command.CommandText, $@"@{Regex.Escape(parameter.ParameterName.TrimStart('@'))}\b", "scope.id");
        }
    }

    /// <summary><c>c => new ContactEvaluation { Id = c.Id, Matches = predicate(c) }</c>: the rule's answer for each contact of a scope.</summary>
    private static Expression<Func<Contact, ContactEvaluation>> Evaluation(Expression<Func<Contact, bool>> predicate)
    {
        var contact = predicate.Parameters[0];
        var body = Expression.MemberInit(
            Expression.New(typeof(ContactEvaluation)),
            Expression.Bind(typeof(ContactEvaluation).GetProperty(nameof(ContactEvaluation.Id))!, Expression.Property(contact, nameof(Contact.Id))),
            Expression.Bind(typeof(ContactEvaluation).GetProperty(nameof(ContactEvaluation.Matches))!, predicate.Body));
        return Expression.Lambda<Func<Contact, ContactEvaluation>>(body, contact);
    }

    private async Task<int> RecordEvaluationAsync(
        Guid tenantId, Guid segmentId, DateTimeOffset now, long durationMs, int entered, int exited, CancellationToken cancellationToken)
    {
        var at = now.ToUniversalTime();
        var ms = (int)Math.Min(durationMs, int.MaxValue);
        // Enumerated as written: composing (Single) would wrap the INSERT in a sub-query, which PostgreSQL refuses.
        var memberCount = await db.Database.SqlQuery<int>($"""
            WITH evaluated AS (
                UPDATE segments SET last_evaluated_at = {at}, last_evaluation_ms = {ms}, last_error = NULL
                WHERE tenant_id = {tenantId} AND id = {segmentId}
                RETURNING member_count)
            INSERT INTO segment_size_history AS h (tenant_id, segment_id, at, member_count, entered, exited)
            SELECT {tenantId}, {segmentId}, {at}, member_count, {entered}, {exited} FROM evaluated
            ON CONFLICT (tenant_id, segment_id, at) DO UPDATE SET
                member_count = excluded.member_count, entered = h.entered + excluded.entered, exited = h.exited + excluded.exited
            RETURNING member_count AS "Value"
            """).ToListAsync(cancellationToken);
        return memberCount.Single();
    }

    /// <summary>Writes the failure on the segment outside the failed transaction, which left the members as they were.</summary>
    private async Task RecordFailureAsync(Guid segmentId, Exception failure)
    {
        var message = failure switch
        {
            ValidationException invalid => string.Join("; ", invalid.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")),
            OperationCanceledException or NpgsqlException { InnerException: TimeoutException } => "The refresh took too long and was cancelled.",
            _ => failure.Message,
        };
        LogFailed(logger, failure, segmentId, message);
        try
        {
            await db.Segments.Where(s => s.Id == segmentId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastError, message[..Math.Min(message.Length, 2000)]), CancellationToken.None);
        }
        catch (DbException unreachable)
        {
            // The database that failed the refresh may be gone; the retry records what happens next.
            LogUnrecorded(logger, unreachable, segmentId);
        }
    }

    /// <summary>Blocks until no other transaction, on any connection, is changing this segment's members.</summary>
    internal Task LockAsync(Guid segmentId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({segmentId}::text, 0))", cancellationToken);

    /// <summary>Runs <paramref name="work"/> in the caller's transaction, or in a new one committed at the end.</summary>
    internal async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await work();
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Segment {SegmentId} skipped by the real-time path: {Problem}")]
    private static partial void LogSkipped(ILogger logger, Guid segmentId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refresh of segment {SegmentId} failed: {Problem}")]
    private static partial void LogFailed(ILogger logger, Exception failure, Guid segmentId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The segments that read segment {SegmentId} were not updated; the sweep will")]
    private static partial void LogCascadeFailed(ILogger logger, Exception failure, Guid segmentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the failure of segment {SegmentId}")]
    private static partial void LogUnrecorded(ILogger logger, Exception failure, Guid segmentId);

    private sealed class ContactEvaluation
    {
        public Guid Id { get; init; }

        public bool Matches { get; init; }
    }
}
