using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class LeanerGinIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_contacts_tenant_id_attributes",
                table: "contacts");

            migrationBuilder.DropIndex(
                name: "ix_contacts_tenant_id_tags",
                table: "contacts");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:btree_gin", ",,");

            migrationBuilder.CreateIndex(
                name: "ix_contacts_attributes",
                table: "contacts",
                column: "attributes")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "jsonb_path_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_contacts_tags",
                table: "contacts",
                column: "tags")
                .Annotation("Npgsql:IndexMethod", "gin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_contacts_attributes",
                table: "contacts");

            migrationBuilder.DropIndex(
                name: "ix_contacts_tags",
                table: "contacts");

            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:btree_gin", ",,");

            migrationBuilder.CreateIndex(
                name: "ix_contacts_tenant_id_attributes",
                table: "contacts",
                columns: new[] { "tenant_id", "attributes" })
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_contacts_tenant_id_tags",
                table: "contacts",
                columns: new[] { "tenant_id", "tags" })
                .Annotation("Npgsql:IndexMethod", "gin");
        }
    }
}
