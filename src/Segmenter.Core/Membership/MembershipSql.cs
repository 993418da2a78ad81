namespace Segmenter.Core.Membership;

/// <summary>
/// The statements around EF Core's query of a rule's matches. <see cref="Query"/> is replaced by EF's SQL;
/// the <c>segmenter_*</c> parameters are added beside EF's own. Every one is a single statement, so its
/// inserts, deletes and change log land together or not at all, and all read one snapshot.
/// </summary>
internal static class MembershipSql
{
    public const string Query = "{query}";

    /// <summary>Over all contacts: the query returns the ids that match.</summary>
    public const string Full = $"""
        WITH matched(id) AS MATERIALIZED ({Query}),
        entered AS (
            INSERT INTO segment_members (tenant_id, segment_id, contact_id, entered_at)
            SELECT @segmenter_tenant, @segmenter_segment, m.id, @segmenter_now FROM matched AS m
            WHERE NOT EXISTS (
                SELECT 1 FROM segment_members AS x
                WHERE x.tenant_id = @segmenter_tenant AND x.segment_id = @segmenter_segment AND x.contact_id = m.id)
            RETURNING contact_id),
        exited AS (
            DELETE FROM segment_members AS x
            WHERE x.tenant_id = @segmenter_tenant AND x.segment_id = @segmenter_segment
              AND NOT EXISTS (SELECT 1 FROM matched AS m WHERE m.id = x.contact_id)
            RETURNING x.contact_id),
        {LogAndCount}
        """;

    /// <summary>Over the contacts of a scope: the query returns each one's id and whether it matches.</summary>
    public const string Scoped = $"""
        WITH evaluated(id, matches) AS MATERIALIZED ({Query}),
        entered AS (
            INSERT INTO segment_members (tenant_id, segment_id, contact_id, entered_at)
            SELECT @segmenter_tenant, @segmenter_segment, e.id, @segmenter_now FROM evaluated AS e
            WHERE e.matches AND NOT EXISTS (
                SELECT 1 FROM segment_members AS x
                WHERE x.tenant_id = @segmenter_tenant AND x.segment_id = @segmenter_segment AND x.contact_id = e.id)
            RETURNING contact_id),
        exited AS (
            DELETE FROM segment_members AS x USING evaluated AS e
            WHERE x.tenant_id = @segmenter_tenant AND x.segment_id = @segmenter_segment
              AND x.contact_id = e.id AND NOT e.matches
            RETURNING x.contact_id),
        {LogAndCount}
        """;

    private const string LogAndCount = """
        logged AS (
            INSERT INTO segment_membership_changes (tenant_id, segment_id, contact_id, kind, at)
            SELECT @segmenter_tenant, @segmenter_segment, contact_id, 'entered', @segmenter_now FROM entered
            UNION ALL
            SELECT @segmenter_tenant, @segmenter_segment, contact_id, 'exited', @segmenter_now FROM exited)
        SELECT (SELECT count(*) FROM entered)::int, (SELECT count(*) FROM exited)::int
        """;
}
