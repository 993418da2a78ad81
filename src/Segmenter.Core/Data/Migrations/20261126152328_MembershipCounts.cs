using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// segments.member_count kept by statement triggers on segment_members, so that every path that adds or
    /// removes members (a refresh, a list edit, a deleted contact's cascade) leaves the count exact.
    /// </summary>
    public partial class MembershipCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION segmenter_count_members() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        UPDATE segments AS s SET member_count = s.member_count + d.n
                        FROM (SELECT tenant_id, segment_id, count(*)::int AS n FROM changed_rows GROUP BY 1, 2) AS d
                        WHERE s.tenant_id = d.tenant_id AND s.id = d.segment_id;
                    ELSE
                        UPDATE segments AS s SET member_count = s.member_count - d.n
                        FROM (SELECT tenant_id, segment_id, count(*)::int AS n FROM changed_rows GROUP BY 1, 2) AS d
                        WHERE s.tenant_id = d.tenant_id AND s.id = d.segment_id;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER segment_members_count_inserted AFTER INSERT ON segment_members
                    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION segmenter_count_members();
                CREATE TRIGGER segment_members_count_deleted AFTER DELETE ON segment_members
                    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION segmenter_count_members();

                UPDATE segments AS s SET member_count = (
                    SELECT count(*) FROM segment_members AS m WHERE m.tenant_id = s.tenant_id AND m.segment_id = s.id);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER segment_members_count_deleted ON segment_members;
                DROP TRIGGER segment_members_count_inserted ON segment_members;
                DROP FUNCTION segmenter_count_members();
                """);
        }
    }
}
