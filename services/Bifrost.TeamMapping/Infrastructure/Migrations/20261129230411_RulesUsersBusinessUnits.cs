using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.TeamMapping.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class RulesUsersBusinessUnits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "business_units",
                schema: "team_mapping",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    name_key = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_business_units", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "provider_rules",
                schema: "team_mapping",
                columns: table => new
                {
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    team_rules = table.Column<string>(type: "jsonb", nullable: false),
                    business_unit_rules = table.Column<string>(type: "jsonb", nullable: false),
                    provider_deleted = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_provider_rules", x => x.provider_id);
                });

            migrationBuilder.CreateTable(
                name: "recomputations",
                schema: "team_mapping",
                columns: table => new
                {
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    mappings_version = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    processed = table.Column<int>(type: "integer", nullable: false),
                    total = table.Column<int>(type: "integer", nullable: false),
                    cursor = table.Column<Guid>(type: "uuid", nullable: true),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    queued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_recomputations", x => x.provider_id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                schema: "team_mapping",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    attributes = table.Column<string>(type: "jsonb", nullable: false),
                    affiliations_version = table.Column<long>(type: "bigint", nullable: false),
                    affiliations_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "business_unit_memberships",
                schema: "team_mapping",
                columns: table => new
                {
                    business_unit_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    source = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    granted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_business_unit_memberships", x => new { x.business_unit_id, x.user_id, x.source });
                    table.ForeignKey(
                        name: "FK_business_unit_memberships_business_units_business_unit_id",
                        column: x => x.business_unit_id,
                        principalSchema: "team_mapping",
                        principalTable: "business_units",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_teams_provider_id_name_key",
                schema: "team_mapping",
                table: "teams",
                columns: new[] { "provider_id", "name_key" },
                unique: true,
                filter: "scim_group_id IS NULL AND provider_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_business_unit_memberships_user_id",
                schema: "team_mapping",
                table: "business_unit_memberships",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "IX_business_units_name_key_id",
                schema: "team_mapping",
                table: "business_units",
                columns: new[] { "name_key", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_business_units_provider_id_name_key",
                schema: "team_mapping",
                table: "business_units",
                columns: new[] { "provider_id", "name_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_recomputations_status_updated_at",
                schema: "team_mapping",
                table: "recomputations",
                columns: new[] { "status", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "IX_users_provider_id_id",
                schema: "team_mapping",
                table: "users",
                columns: new[] { "provider_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "business_unit_memberships",
                schema: "team_mapping");

            migrationBuilder.DropTable(
                name: "provider_rules",
                schema: "team_mapping");

            migrationBuilder.DropTable(
                name: "recomputations",
                schema: "team_mapping");

            migrationBuilder.DropTable(
                name: "users",
                schema: "team_mapping");

            migrationBuilder.DropTable(
                name: "business_units",
                schema: "team_mapping");

            migrationBuilder.DropIndex(
                name: "IX_teams_provider_id_name_key",
                schema: "team_mapping",
                table: "teams");
        }
    }
}
