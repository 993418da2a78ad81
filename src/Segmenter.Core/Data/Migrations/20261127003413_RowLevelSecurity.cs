using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// Row-level security on every tenant table (ADR-009): a connection sees and writes only the rows of the
    /// tenant in its <c>segmenter.tenant_id</c> setting, the owner included (FORCE). Four tables also answer
    /// reads across tenants while <c>segmenter.cross_tenant</c> is on: the lookups that find a tenant.
    /// </summary>
    public partial class RowLevelSecurity : Migration
    {
        private static readonly string[] TenantTables =
        [
            "api_keys", "audit_entries", "campaign_recipients", "campaigns", "contact_events", "contact_imports", "contacts",
            "event_types", "field_definitions", "segment_members", "segment_membership_changes", "segment_size_history",
            "segments", "tenant_users",
        ];

        private static readonly string[] CrossTenantReadable = ["tenants", "tenant_users", "api_keys", "segments"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Plain SQL functions, inlined by the planner: the tenant is a stable value, so an index led by tenant_id is used.
            migrationBuilder.Sql("""
                CREATE FUNCTION segmenter_current_tenant() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
                    AS $$ SELECT nullif(current_setting('segmenter.tenant_id', true), '')::uuid $$;
                CREATE FUNCTION segmenter_cross_tenant() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
                    AS $$ SELECT coalesce(current_setting('segmenter.cross_tenant', true) = 'on', false) $$;
                """);

            foreach (var table in TenantTables)
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table}
                        USING (tenant_id = segmenter_current_tenant()) WITH CHECK (tenant_id = segmenter_current_tenant());
                    """);
            }

            migrationBuilder.Sql("""
                ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
                ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON tenants
                    USING (id = segmenter_current_tenant()) WITH CHECK (id = segmenter_current_tenant());
                """);

            foreach (var table in CrossTenantReadable)
            {
                migrationBuilder.Sql($"CREATE POLICY cross_tenant_read ON {table} FOR SELECT USING (segmenter_cross_tenant());");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in CrossTenantReadable)
            {
                migrationBuilder.Sql($"DROP POLICY cross_tenant_read ON {table};");
            }

            foreach (var table in TenantTables.Append("tenants"))
            {
                migrationBuilder.Sql($"""
                    DROP POLICY tenant_isolation ON {table};
                    ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
                    ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
                    """);
            }

            migrationBuilder.Sql("""
                DROP FUNCTION segmenter_cross_tenant();
                DROP FUNCTION segmenter_current_tenant();
                """);
        }
    }
}
