using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// event_types: every event type a tenant has sent, for the builder's picker, filled from the events
    /// already stored and kept by one statement trigger on contact_events (a scan of millions of events for
    /// their distinct types would take seconds on every builder load).
    /// </summary>
    public partial class EventTypeCatalogue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "event_types",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_types", x => new { x.tenant_id, x.type });
                    table.ForeignKey(
                        name: "fk_event_types_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.Sql("""
                CREATE FUNCTION segmenter_record_event_types() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    -- In key order, so that two statements adding the same new types cannot deadlock on them.
                    INSERT INTO event_types (tenant_id, type)
                    SELECT DISTINCT i.tenant_id, i.type FROM inserted_rows AS i
                    WHERE NOT EXISTS (SELECT FROM event_types AS t WHERE t.tenant_id = i.tenant_id AND t.type = i.type)
                    ORDER BY i.tenant_id, i.type
                    ON CONFLICT DO NOTHING;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER contact_events_record_types AFTER INSERT ON contact_events
                    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION segmenter_record_event_types();

                -- After the trigger exists, so that no event committed meanwhile is missed.
                INSERT INTO event_types (tenant_id, type) SELECT DISTINCT tenant_id, type FROM contact_events ORDER BY 1, 2 ON CONFLICT DO NOTHING;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER contact_events_record_types ON contact_events;
                DROP FUNCTION segmenter_record_event_types();
                """);

            migrationBuilder.DropTable(
                name: "event_types");
        }
    }
}
