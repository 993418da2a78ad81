using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// A date attribute recognised by a LIKE pattern and cast, as a datetime already is, instead of a regular
    /// expression and <c>make_date</c>: at a million contacts, counting "last purchase over 180 days ago" in psql
    /// took 850 ms before and 510 ms after, and the planner, costing the scan cheaper, counts Win-back by hashing
    /// the purchasers (715 ms) instead of probing the contacts' key once per purchaser (1.7-2.0 s). STABLE, as
    /// the cast is, so that it is still inlined.
    /// </summary>
    public partial class CheaperDateReads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Segmenter.Core.Rules.RuleSql.CreateFunctions);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION segmenter_date(j jsonb, k text) RETURNS date
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE
                    AS $$ SELECT CASE WHEN jsonb_typeof(j -> k) = 'string' AND (j ->> k) ~ '^\d{4}-\d{2}-\d{2}$'
                         THEN make_date(left(j ->> k, 4)::int, substr(j ->> k, 6, 2)::int, substr(j ->> k, 9, 2)::int) END $$;
                """);
        }
    }
}
