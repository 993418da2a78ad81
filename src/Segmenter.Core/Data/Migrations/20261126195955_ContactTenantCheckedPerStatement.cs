using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Segmenter.Core.Data.Migrations
{
    /// <summary>
    /// contacts.tenant_id checked once per statement instead of by a foreign key checked once per row
    /// (ADR-008): inserted contacts must name an existing tenant, whose row stays locked (FOR KEY SHARE) until
    /// the transaction ends, as a foreign key would; a contact never changes tenant; deleting a tenant deletes
    /// its contacts.
    /// </summary>
    public partial class ContactTenantCheckedPerStatement : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_contacts_tenants_tenant_id",
                table: "contacts");

            migrationBuilder.Sql("""
                CREATE FUNCTION segmenter_check_contact_tenants() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    missing uuid;
                BEGIN
                    WITH statement_tenants AS MATERIALIZED (SELECT DISTINCT tenant_id FROM inserted_rows),
                         locked AS MATERIALIZED (
                             SELECT id FROM tenants WHERE id IN (SELECT tenant_id FROM statement_tenants) FOR KEY SHARE)
                    SELECT s.tenant_id INTO missing
                    FROM statement_tenants AS s
                    WHERE NOT EXISTS (SELECT FROM locked AS l WHERE l.id = s.tenant_id)
                    LIMIT 1;
                    IF FOUND THEN
                        RAISE foreign_key_violation USING
                            MESSAGE = format('insert on table "contacts" violates the tenant check: tenant %s does not exist', missing),
                            TABLE = 'contacts', CONSTRAINT = 'contacts_tenant_exists';
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER contacts_tenant_exists AFTER INSERT ON contacts
                    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION segmenter_check_contact_tenants();

                CREATE FUNCTION segmenter_refuse_contact_tenant_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE check_violation USING
                        MESSAGE = format('contact %s cannot move from tenant %s to tenant %s', OLD.id, OLD.tenant_id, NEW.tenant_id),
                        TABLE = 'contacts', CONSTRAINT = 'contacts_tenant_fixed';
                END $$;

                CREATE TRIGGER contacts_tenant_fixed BEFORE UPDATE OF tenant_id ON contacts
                    FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
                    EXECUTE FUNCTION segmenter_refuse_contact_tenant_change();

                CREATE FUNCTION segmenter_delete_tenant_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM contacts WHERE tenant_id IN (SELECT id FROM deleted_rows);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER tenants_delete_contacts AFTER DELETE ON tenants
                    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION segmenter_delete_tenant_contacts();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER tenants_delete_contacts ON tenants;
                DROP FUNCTION segmenter_delete_tenant_contacts();
                DROP TRIGGER contacts_tenant_fixed ON contacts;
                DROP FUNCTION segmenter_refuse_contact_tenant_change();
                DROP TRIGGER contacts_tenant_exists ON contacts;
                DROP FUNCTION segmenter_check_contact_tenants();
                """);

            migrationBuilder.AddForeignKey(
                name: "fk_contacts_tenants_tenant_id",
                table: "contacts",
                column: "tenant_id",
                principalTable: "tenants",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
