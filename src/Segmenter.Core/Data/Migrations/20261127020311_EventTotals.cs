using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// Each contact's events rolled up per type (count, first and last instant) in <c>contact_event_totals</c>,
    /// kept by statement triggers on <c>contact_events</c>: an insert adds its events' totals in one upsert, a
    /// delete counts the touched (contact, type) pairs again from the events, and an update may not move an
    /// event to another contact, type or instant. So the totals change in the statement that changes the
    /// events and can never disagree with them. The existing events are rolled up here; like every data step,
    /// that reads all tenants, so it needs an owner that row-level security does not apply to (ADR-009).
    /// </summary>
    public partial class EventTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "contact_event_totals",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    contact_id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "text", nullable: false),
                    count = table.Column<long>(type: "bigint", nullable: false),
                    first_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_contact_event_totals", x => new { x.tenant_id, x.contact_id, x.type });
                    table.ForeignKey(
                        name: "fk_contact_event_totals_contacts_tenant_id_contact_id",
                        columns: x => new { x.tenant_id, x.contact_id },
                        principalTable: "contacts",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_contact_events_tenant_id_type_occurred_at",
                table: "contact_events",
                columns: new[] { "tenant_id", "type", "occurred_at" })
                .Annotation("Npgsql:IndexInclude", new[] { "contact_id" });

            migrationBuilder.CreateIndex(
                name: "ix_contact_event_totals_tenant_id_type",
                table: "contact_event_totals",
                columns: new[] { "tenant_id", "type" })
                .Annotation("Npgsql:IndexInclude", new[] { "contact_id", "count", "first_at", "last_at" });

            migrationBuilder.Sql("""
                ALTER TABLE contact_event_totals ENABLE ROW LEVEL SECURITY;
                ALTER TABLE contact_event_totals FORCE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON contact_event_totals
                    USING (tenant_id = segmenter_current_tenant()) WITH CHECK (tenant_id = segmenter_current_tenant());

                INSERT INTO contact_event_totals (tenant_id, contact_id, type, count, first_at, last_at)
                SELECT tenant_id, contact_id, type, count(*), min(occurred_at), max(occurred_at)
                FROM contact_events GROUP BY tenant_id, contact_id, type;

                -- Rows are upserted in key order, so two batches touching the same contacts never deadlock.
                CREATE FUNCTION segmenter_add_event_totals() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO contact_event_totals AS t (tenant_id, contact_id, type, count, first_at, last_at)
                    SELECT tenant_id, contact_id, type, count(*), min(occurred_at), max(occurred_at)
                    FROM inserted_events
                    GROUP BY tenant_id, contact_id, type
                    ORDER BY tenant_id, contact_id, type
                    ON CONFLICT (tenant_id, contact_id, type) DO UPDATE
                    SET count = t.count + excluded.count,
                        first_at = least(t.first_at, excluded.first_at),
                        last_at = greatest(t.last_at, excluded.last_at);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER contact_events_add_totals AFTER INSERT ON contact_events
                    REFERENCING NEW TABLE AS inserted_events
                    FOR EACH STATEMENT EXECUTE FUNCTION segmenter_add_event_totals();

                -- The (contact, type) pairs a delete touched, counted again from the events that remain.
                CREATE FUNCTION segmenter_recount_event_totals() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    WITH counted AS MATERIALIZED (
                        SELECT k.tenant_id, k.contact_id, k.type, s.n, s.first_at, s.last_at
                        FROM (SELECT DISTINCT tenant_id, contact_id, type FROM deleted_events) AS k
                        CROSS JOIN LATERAL (
                            SELECT count(*) AS n, min(e.occurred_at) AS first_at, max(e.occurred_at) AS last_at
                            FROM contact_events AS e
                            WHERE e.tenant_id = k.tenant_id AND e.contact_id = k.contact_id AND e.type = k.type) AS s),
                    emptied AS (
                        DELETE FROM contact_event_totals AS t
                        USING counted AS c
                        WHERE c.n = 0 AND t.tenant_id = c.tenant_id AND t.contact_id = c.contact_id AND t.type = c.type)
                    UPDATE contact_event_totals AS t
                    SET count = c.n, first_at = c.first_at, last_at = c.last_at
                    FROM counted AS c
                    WHERE c.n > 0 AND t.tenant_id = c.tenant_id AND t.contact_id = c.contact_id AND t.type = c.type;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER contact_events_delete_totals AFTER DELETE ON contact_events
                    REFERENCING OLD TABLE AS deleted_events
                    FOR EACH STATEMENT EXECUTE FUNCTION segmenter_recount_event_totals();

                -- An event is a fact: what it counts towards never changes (its properties may).
                CREATE FUNCTION segmenter_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'an event''s contact, type and instant cannot change; delete it and add another'
                        USING ERRCODE = 'integrity_constraint_violation';
                END $$;

                CREATE TRIGGER contact_events_fixed BEFORE UPDATE OF tenant_id, contact_id, type, occurred_at ON contact_events
                    FOR EACH ROW WHEN ((OLD.tenant_id, OLD.contact_id, OLD.type, OLD.occurred_at)
                        IS DISTINCT FROM (NEW.tenant_id, NEW.contact_id, NEW.type, NEW.occurred_at))
                    EXECUTE FUNCTION segmenter_refuse_event_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER contact_events_fixed ON contact_events;
                DROP FUNCTION segmenter_refuse_event_change();
                DROP TRIGGER contact_events_delete_totals ON contact_events;
                DROP FUNCTION segmenter_recount_event_totals();
                DROP TRIGGER contact_events_add_totals ON contact_events;
                DROP FUNCTION segmenter_add_event_totals();
                """);

            migrationBuilder.DropTable(
                name: "contact_event_totals");

            migrationBuilder.DropIndex(
                name: "ix_contact_events_tenant_id_type_occurred_at",
                table: "contact_events");
        }
    }
}
