using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Identity.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class GovernanceUsers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "role",
                schema: "identity",
                table: "users",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "role_reason",
                schema: "identity",
                table: "users",
                type: "jsonb",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "group_memberships",
                schema: "identity",
                columns: table => new
                {
                    group_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_memberships", x => new { x.group_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "role_recomputations",
                schema: "identity",
                columns: table => new
                {
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    mappings_version = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    processed = table.Column<int>(type: "integer", nullable: false),
                    total = table.Column<int>(type: "integer", nullable: false),
                    cursor = table.Column<Guid>(type: "uuid", nullable: true),
                    queued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_role_recomputations", x => x.provider_id);
                });

            migrationBuilder.CreateTable(
                name: "scim_groups",
                schema: "identity",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    display_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    deleted = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scim_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "user_affiliation_versions",
                schema: "identity",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_user_affiliation_versions", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "user_affiliations",
                schema: "identity",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    target_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    sources = table.Column<string[]>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_user_affiliations", x => new { x.user_id, x.kind, x.target_id });
                });

            migrationBuilder.CreateIndex(
                name: "IX_users_role_user_name",
                schema: "identity",
                table: "users",
                columns: new[] { "role", "user_name" });

            migrationBuilder.CreateIndex(
                name: "IX_group_memberships_user_id",
                schema: "identity",
                table: "group_memberships",
                column: "user_id",
                filter: "active");

            migrationBuilder.CreateIndex(
                name: "IX_role_recomputations_status",
                schema: "identity",
                table: "role_recomputations",
                column: "status",
                filter: "status IN ('Queued', 'Running')");

            migrationBuilder.CreateIndex(
                name: "IX_scim_groups_provider_id",
                schema: "identity",
                table: "scim_groups",
                column: "provider_id");

            migrationBuilder.CreateIndex(
                name: "IX_user_affiliations_kind_target_id_user_id",
                schema: "identity",
                table: "user_affiliations",
                columns: new[] { "kind", "target_id", "user_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "group_memberships",
                schema: "identity");

            migrationBuilder.DropTable(
                name: "role_recomputations",
                schema: "identity");

            migrationBuilder.DropTable(
                name: "scim_groups",
                schema: "identity");

            migrationBuilder.DropTable(
                name: "user_affiliation_versions",
                schema: "identity");

            migrationBuilder.DropTable(
                name: "user_affiliations",
                schema: "identity");

            migrationBuilder.DropIndex(
                name: "IX_users_role_user_name",
                schema: "identity",
                table: "users");

            migrationBuilder.DropColumn(
                name: "role",
                schema: "identity",
                table: "users");

            migrationBuilder.DropColumn(
                name: "role_reason",
                schema: "identity",
                table: "users");
        }
    }
}
