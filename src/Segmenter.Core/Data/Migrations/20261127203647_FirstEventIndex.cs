using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class FirstEventIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_contact_event_totals_tenant_id_type_first_at",
                table: "contact_event_totals",
                columns: new[] { "tenant_id", "type", "first_at" })
                .Annotation("Npgsql:IndexInclude", new[] { "contact_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_contact_event_totals_tenant_id_type_first_at",
                table: "contact_event_totals");
        }
    }
}
