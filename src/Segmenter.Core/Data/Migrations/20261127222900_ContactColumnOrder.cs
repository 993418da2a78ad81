using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// Rebuilds contacts with its columns in a new order: the columns of fixed width that are never NULL first,
    /// then attributes, then the nullable and text columns. PostgreSQL finds a column by walking the row from its
    /// start and jumps straight to one only past columns of fixed width that are not NULL in that row, so a rule
    /// reading a custom field, created_at or birthday no longer walks a dozen text columns for every contact
    /// (docs/performance.md). PostgreSQL cannot move a column, so the table is copied: its keys, checks,
    /// triggers, row-level security and the foreign keys that point at it are made again with the same names.
    /// The application role's grants are renewed at every start (<c>SegmenterDatabase</c>).
    /// </summary>
    public partial class ContactColumnOrder : Migration
    {
        private const string Reordered = """
            tenant_id uuid NOT NULL,
            id uuid NOT NULL,
            created_at timestamp with time zone NOT NULL DEFAULT now(),
            updated_at timestamp with time zone NOT NULL DEFAULT now(),
            attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
            subscribed_at timestamp with time zone,
            birthday date,
            status text NOT NULL DEFAULT 'subscribed',
            country text,
            time_zone text,
            email_normalized text GENERATED ALWAYS AS (lower(email)) STORED NOT NULL,
            email text NOT NULL,
            first_name text,
            last_name text,
            phone text,
            city text,
            tags text[] NOT NULL DEFAULT '{}'::text[]
            """;

        private const string Original = """
            tenant_id uuid NOT NULL,
            id uuid NOT NULL,
            email text NOT NULL,
            email_normalized text GENERATED ALWAYS AS (lower(email)) STORED NOT NULL,
            first_name text,
            last_name text,
            phone text,
            status text NOT NULL DEFAULT 'subscribed',
            country text,
            city text,
            time_zone text,
            birthday date,
            subscribed_at timestamp with time zone,
            created_at timestamp with time zone NOT NULL DEFAULT now(),
            updated_at timestamp with time zone NOT NULL DEFAULT now(),
            tags text[] NOT NULL DEFAULT '{}'::text[],
            attributes jsonb NOT NULL DEFAULT '{}'::jsonb
            """;

        private static readonly string[] Referencing = ["campaign_recipients", "contact_event_totals", "contact_events", "segment_members"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(Rebuild(Reordered));

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(Rebuild(Original));

        private static string Rebuild(string columns)
        {
            const string copied = "tenant_id, id, created_at, updated_at, attributes, subscribed_at, birthday, status, country, time_zone, "
                + "email, first_name, last_name, phone, city, tags";
            var dropForeignKeys = string.Concat(Referencing.Select(table =>
                $"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_contacts_tenant_id_contact_id;\n"));
            var addForeignKeys = string.Concat(Referencing.Select(table =>
                $"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_contacts_tenant_id_contact_id FOREIGN KEY (tenant_id, contact_id) "
                + "REFERENCES contacts (tenant_id, id) ON DELETE CASCADE;\n"));
            // The owner is under the policy too (FORCE): without lifting it, the copy would see no contact at all.
            return $"""
                LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE;
                ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
                {dropForeignKeys}
                CREATE TABLE contacts_copy (
                {columns},
                    CONSTRAINT ck_contacts_status CHECK (status IN ('subscribed', 'unsubscribed', 'bounced', 'pending'))
                );
                INSERT INTO contacts_copy ({copied}) SELECT {copied} FROM contacts ORDER BY tenant_id, id;
                DROP TABLE contacts;
                ALTER TABLE contacts_copy RENAME TO contacts;
                ALTER TABLE contacts ADD CONSTRAINT pk_contacts PRIMARY KEY (tenant_id, id);
                CREATE UNIQUE INDEX ix_contacts_tenant_id_email_normalized ON contacts (tenant_id, email_normalized);
                {addForeignKeys}
                CREATE TRIGGER contacts_tenant_exists AFTER INSERT ON contacts
                    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION segmenter_check_contact_tenants();
                CREATE TRIGGER contacts_tenant_fixed BEFORE UPDATE OF tenant_id ON contacts
                    FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
                    EXECUTE FUNCTION segmenter_refuse_contact_tenant_change();
                ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
                ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON contacts
                    USING (tenant_id = segmenter_current_tenant()) WITH CHECK (tenant_id = segmenter_current_tenant());
                ANALYZE contacts;
                """;
        }
    }
}
