using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// The latest eight instants of each contact's events of a type, newest first, in
    /// <c>contact_event_totals.latest</c>, kept by the same statement triggers as the totals: an insert merges its
    /// events' latest instants with the kept ones, a delete reads them again from the events that remain. "At
    /// least k events in the last N days" (k up to eight) is then one test of one total, where it grouped every
    /// event of the window. The totals' index is led by the last instant as well, so such a test reads only the
    /// totals whose last event is in the window, and the few totals with events after now are found without
    /// reading the others. The existing totals are filled here from the events.
    /// </summary>
    public partial class LatestEventInstants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_contact_event_totals_tenant_id_type",
                table: "contact_event_totals");

            migrationBuilder.AddColumn<DateTimeOffset[]>(
                name: "latest",
                table: "contact_event_totals",
                type: "timestamp with time zone[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.Sql("""
                UPDATE contact_event_totals AS t
                SET latest = ARRAY(
                    SELECT e.occurred_at FROM contact_events AS e
                    WHERE e.tenant_id = t.tenant_id AND e.contact_id = t.contact_id AND e.type = t.type
                    ORDER BY e.occurred_at DESC LIMIT 8);

                -- Both arrays newest first. Events usually arrive after the ones kept: then the merge is a concatenation.
                CREATE FUNCTION segmenter_latest_instants(kept timestamptz[], added timestamptz[]) RETURNS timestamptz[]
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT CASE
                        WHEN cardinality(kept) = 0 OR added[cardinality(added)] >= kept[1] THEN (added || kept)[1:8]
                        ELSE ARRAY(SELECT x FROM unnest(kept || added) AS x ORDER BY x DESC LIMIT 8)
                    END $$;

                CREATE OR REPLACE FUNCTION segmenter_add_event_totals() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO contact_event_totals AS t (tenant_id, contact_id, type, count, first_at, last_at, latest)
                    SELECT tenant_id, contact_id, type, count(*), min(occurred_at), max(occurred_at),
                           (array_agg(occurred_at ORDER BY occurred_at DESC))[1:8]
                    FROM inserted_events
                    GROUP BY tenant_id, contact_id, type
                    ORDER BY tenant_id, contact_id, type
                    ON CONFLICT (tenant_id, contact_id, type) DO UPDATE
                    SET count = t.count + excluded.count,
                        first_at = least(t.first_at, excluded.first_at),
                        last_at = greatest(t.last_at, excluded.last_at),
                        latest = segmenter_latest_instants(t.latest, excluded.latest);
                    RETURN NULL;
                END $$;

                CREATE OR REPLACE FUNCTION segmenter_recount_event_totals() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    WITH counted AS MATERIALIZED (
                        SELECT k.tenant_id, k.contact_id, k.type, s.n, s.first_at, s.last_at, l.latest
                        FROM (SELECT DISTINCT tenant_id, contact_id, type FROM deleted_events) AS k
                        CROSS JOIN LATERAL (
                            SELECT count(*) AS n, min(e.occurred_at) AS first_at, max(e.occurred_at) AS last_at
                            FROM contact_events AS e
                            WHERE e.tenant_id = k.tenant_id AND e.contact_id = k.contact_id AND e.type = k.type) AS s
                        CROSS JOIN LATERAL (
                            SELECT ARRAY(
                                SELECT e.occurred_at FROM contact_events AS e
                                WHERE e.tenant_id = k.tenant_id AND e.contact_id = k.contact_id AND e.type = k.type
                                ORDER BY e.occurred_at DESC LIMIT 8) AS latest) AS l),
                    emptied AS (
                        DELETE FROM contact_event_totals AS t
                        USING counted AS c
                        WHERE c.n = 0 AND t.tenant_id = c.tenant_id AND t.contact_id = c.contact_id AND t.type = c.type)
                    UPDATE contact_event_totals AS t
                    SET count = c.n, first_at = c.first_at, last_at = c.last_at, latest = c.latest
                    FROM counted AS c
                    WHERE c.n > 0 AND t.tenant_id = c.tenant_id AND t.contact_id = c.contact_id AND t.type = c.type;
                    RETURN NULL;
                END $$;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_contact_event_totals_tenant_id_type_last_at",
                table: "contact_event_totals",
                columns: new[] { "tenant_id", "type", "last_at" })
                .Annotation("Npgsql:IndexInclude", new[] { "contact_id", "count", "first_at", "latest" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION segmenter_add_event_totals() RETURNS trigger LANGUAGE plpgsql AS $$
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

                CREATE OR REPLACE FUNCTION segmenter_recount_event_totals() RETURNS trigger LANGUAGE plpgsql AS $$
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

                DROP FUNCTION segmenter_latest_instants(timestamptz[], timestamptz[]);
                """);

            migrationBuilder.DropIndex(
                name: "ix_contact_event_totals_tenant_id_type_last_at",
                table: "contact_event_totals");

            migrationBuilder.DropColumn(
                name: "latest",
                table: "contact_event_totals");

            migrationBuilder.CreateIndex(
                name: "ix_contact_event_totals_tenant_id_type",
                table: "contact_event_totals",
                columns: new[] { "tenant_id", "type" })
                .Annotation("Npgsql:IndexInclude", new[] { "contact_id", "count", "first_at", "last_at" });
        }
    }
}
