using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// <c>segmenter_matches</c>: a comparison of a custom number attribute as one SQL/JSON path predicate in the
    /// document, instead of the typed read (<c>jsonb_typeof</c>, the key read again, a cast) and a comparison.
    /// </summary>
    public partial class NumberTestsInJson : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Segmenter.Core.Rules.RuleSql.CreateFunctions);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS segmenter_matches(jsonb, text);");
        }
    }
}
