using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// <c>segmenter_segment_members</c>: a segment's members for the refresh's diff, read by a bitmap of their
    /// pages. The planner reads them from the members' key alone (an index-only scan) because the statistics say
    /// the table's pages are all visible; right after a fill or a large change they are not, until VACUUM, and
    /// the scan then visits the table once per member: 3.0 to 3.4 s instead of 1.2 to 1.7 s for the diff of
    /// 660,000 members (docs/performance.md). The function's own settings keep index scans out of this one read
    /// only, and a function with settings is never inlined, so the rest of the statement is planned as before.
    /// It runs as its caller, under row-level security.
    /// </summary>
    public partial class MembersReadByPage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION segmenter_segment_members(tenant uuid, segment uuid) RETURNS SETOF uuid
                    LANGUAGE sql STABLE ROWS 100000
                    SET enable_indexonlyscan = off SET enable_indexscan = off
                    AS $$ SELECT contact_id FROM segment_members WHERE tenant_id = tenant AND segment_id = segment $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION segmenter_segment_members(uuid, uuid);");
        }
    }
}
