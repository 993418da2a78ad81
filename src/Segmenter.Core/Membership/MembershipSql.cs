namespace Segmenter.Core.Membership;

/// <summary>
/// The statements around EF Core's query of a rule's matches. <see cref="Query"/> is replaced by EF's SQL;
/// the <c>segmenter_*</c> parameters are added beside EF's own. Every one is a single statement, so its
/// inserts, deletes and change log land together or not at all, and all read one snapshot.
/// </summary>
internal static class MembershipSql
{
    public const string Query = "{query}";

    /// <summary>
    /// Over all contacts: the query returns the ids that match. The difference with the current members is
    /// a FULL JOIN, which PostgreSQL can only run as a hash or merge join: one pass over each side, whatever
    /// the planner guesses about the rule's selectivity (an anti-join against a CTE guessed small runs as a
    /// nested loop and goes quadratic: 15 s for 13,000 members). The matches are not materialised but joined
    /// as the rule's query returns them, and the members' ids are read by a bitmap of their pages
    /// (<c>segmenter_segment_members</c>, migration <c>MembersReadByPage</c>): by their key alone, the read
    /// visited the table once per member whenever VACUUM had not yet seen the pages, as after every fill and
    /// large change (3.0 to 3.4 s for the diff of 660,000 members instead of 1.2 to 1.7). Each exit's row is
    /// then found by its key, one probe an exit, and deleted by its address (a TID scan). Deleting with
    /// <c>contact_id = ANY (ARRAY(…))</c> instead compared every member with every exit: 35 s for 6,666 exits.
    /// </summary>
    public const string Full = $"""
        WITH matched(id) AS ({Query}),
        diff AS MATERIALIZED (
            SELECT coalesce(m.id, x.contact_id) AS contact_id, m.id IS NOT NULL AS matches
            FROM matched AS m
            FULL JOIN segmenter_segment_members(@segmenter_tenant, @segmenter_segment) AS x(contact_id) ON x.contact_id = m.id
            WHERE m.id IS NULL OR x.contact_id IS NULL),
        {Entered}
        exited AS (
            DELETE FROM segment_members AS x
            WHERE x.ctid = ANY (ARRAY(
                SELECT member.ctid FROM diff AS d
                CROSS JOIN LATERAL (
                    SELECT ctid FROM segment_members
                    WHERE tenant_id = @segmenter_tenant AND segment_id = @segmenter_segment AND contact_id = d.contact_id
                    OFFSET 0) AS member
                WHERE NOT d.matches))
            RETURNING x.contact_id),
        {Logged}
        """;

    /// <summary>The query of the contact ids a scoped statement looks at.</summary>
    public const string Scope = "{scope}";

    /// <summary>The contacts of a write, for the real-time path.</summary>
    public const string ContactsScope = "SELECT unnest(@segmenter_contacts)";

    /// <summary>The contacts that entered or left segment <c>@segmenter_source</c> in its evaluation at <c>@segmenter_at</c>.</summary>
    public const string ChangesScope = """
        SELECT DISTINCT contact_id FROM segment_membership_changes
        WHERE tenant_id = @segmenter_tenant AND segment_id = @segmenter_source AND at = @segmenter_at
        """;

    /// <summary>
    /// Over the contacts of a scope: the query answers for one contact, <c>scope.id</c>, and returns its id and
    /// whether it matches. Each contact of the scope is looked up by primary key, and its membership by the
    /// members' key, so the cost follows the scope, never the tenant or the segment: the <c>OFFSET 0</c> keeps
    /// PostgreSQL from turning the lateral look-ups into joins, which it would plan from the tenant's row
    /// estimate, and that estimate is far too small while a new tenant's contacts are being loaded
    /// (a 5,000-contact pass scanned all 500,000 of the tenant's rows: 330 ms instead of 74 ms). Exits are
    /// deleted by the row addresses the look-ups found (a TID scan), which reads the exits' rows and nothing
    /// else, whatever the statistics say.
    /// </summary>
    public const string Scoped = $"""
        WITH scope(id) AS MATERIALIZED ({Scope}),
        evaluated(id, matches) AS MATERIALIZED (
            SELECT scope.id, coalesce(e.matches, false)
            FROM scope
            LEFT JOIN LATERAL ({Query}
                OFFSET 0) AS e(id, matches) ON true),
        diff AS MATERIALIZED (
            SELECT e.id AS contact_id, e.matches, x.ctid AS member_row
            FROM evaluated AS e
            LEFT JOIN LATERAL (
                SELECT ctid, contact_id FROM segment_members
                WHERE tenant_id = @segmenter_tenant AND segment_id = @segmenter_segment AND contact_id = e.id
                OFFSET 0) AS x ON true
            WHERE e.matches <> (x.contact_id IS NOT NULL)),
        {Entered}
        exited AS (
            DELETE FROM segment_members AS x
            WHERE x.ctid = ANY (ARRAY(SELECT d.member_row FROM diff AS d WHERE NOT d.matches))
            RETURNING x.contact_id),
        {Logged}
        """;

    /// <summary>Inserts the entries of <c>diff</c>: the first of the writes both statements share.</summary>
    private const string Entered = """
        entered AS (
            INSERT INTO segment_members (tenant_id, segment_id, contact_id, entered_at)
            SELECT @segmenter_tenant, @segmenter_segment, d.contact_id, @segmenter_now FROM diff AS d WHERE d.matches
            RETURNING contact_id),
        """;

    /// <summary>Logs the entries and the exits (<c>exited</c>, each statement's own) and counts them: the end of both statements.</summary>
    private const string Logged = """
        logged AS (
            INSERT INTO segment_membership_changes (tenant_id, segment_id, contact_id, kind, at)
            SELECT @segmenter_tenant, @segmenter_segment, contact_id, 'entered', @segmenter_now FROM entered
            UNION ALL
            SELECT @segmenter_tenant, @segmenter_segment, contact_id, 'exited', @segmenter_now FROM exited)
        SELECT (SELECT count(*) FROM entered)::int, (SELECT count(*) FROM exited)::int
        """;
}
