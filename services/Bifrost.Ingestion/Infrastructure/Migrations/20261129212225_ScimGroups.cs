using System;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Ingestion.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class ScimGroups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_scim_users_provider_id_display_name",
                schema: "ingestion",
                table: "scim_users");

            migrationBuilder.AddColumn<string>(
                name: "display_name_key",
                schema: "ingestion",
                table: "scim_users",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "email_keys",
                schema: "ingestion",
                table: "scim_users",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'::text[]");

            // Backfill the new user columns (and the explicit "active": true a stored user now always has).
            migrationBuilder.Sql("""
                UPDATE ingestion.scim_users SET display_name_key = lower(display_name) WHERE display_name IS NOT NULL;
                UPDATE ingestion.scim_users SET resource = jsonb_set(resource, '{active}', 'true'::jsonb) WHERE NOT (resource ? 'active');
                UPDATE ingestion.scim_users u SET email_keys = coalesce((
                    SELECT array_agg(DISTINCT lower(e ->> 'value'))
                    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(u.resource -> 'emails') = 'array' THEN u.resource -> 'emails' ELSE '[]'::jsonb END) e
                    WHERE coalesce(e ->> 'value', '') <> ''), '{}');
                """);

            migrationBuilder.CreateTable(
                name: "scim_groups",
                schema: "ingestion",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    display_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    display_name_key = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    external_id = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    resource = table.Column<JsonObject>(type: "jsonb", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_modified_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scim_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "scim_group_members",
                schema: "ingestion",
                columns: table => new
                {
                    group_id = table.Column<Guid>(type: "uuid", nullable: false),
                    member_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    member_type = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scim_group_members", x => new { x.group_id, x.member_id });
                    table.ForeignKey(
                        name: "FK_scim_group_members_scim_groups_group_id",
                        column: x => x.group_id,
                        principalSchema: "ingestion",
                        principalTable: "scim_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_scim_users_email_keys",
                schema: "ingestion",
                table: "scim_users",
                column: "email_keys")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "IX_scim_users_provider_id_display_name_key",
                schema: "ingestion",
                table: "scim_users",
                columns: new[] { "provider_id", "display_name_key" });

            migrationBuilder.CreateIndex(
                name: "IX_scim_group_members_provider_id_member_id",
                schema: "ingestion",
                table: "scim_group_members",
                columns: new[] { "provider_id", "member_id" });

            migrationBuilder.CreateIndex(
                name: "IX_scim_groups_provider_id_display_name_key",
                schema: "ingestion",
                table: "scim_groups",
                columns: new[] { "provider_id", "display_name_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_scim_groups_provider_id_external_id",
                schema: "ingestion",
                table: "scim_groups",
                columns: new[] { "provider_id", "external_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scim_group_members",
                schema: "ingestion");

            migrationBuilder.DropTable(
                name: "scim_groups",
                schema: "ingestion");

            migrationBuilder.DropIndex(
                name: "IX_scim_users_email_keys",
                schema: "ingestion",
                table: "scim_users");

            migrationBuilder.DropIndex(
                name: "IX_scim_users_provider_id_display_name_key",
                schema: "ingestion",
                table: "scim_users");

            migrationBuilder.DropColumn(
                name: "display_name_key",
                schema: "ingestion",
                table: "scim_users");

            migrationBuilder.DropColumn(
                name: "email_keys",
                schema: "ingestion",
                table: "scim_users");

            migrationBuilder.CreateIndex(
                name: "IX_scim_users_provider_id_display_name",
                schema: "ingestion",
                table: "scim_users",
                columns: new[] { "provider_id", "display_name" });
        }
    }
}
