using System;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Bifrost.Ingestion.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "ingestion");

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "ingestion",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    message_type = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    trace_parent = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    trace_state = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    parked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "scim_users",
                schema: "ingestion",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    user_name_key = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    external_id = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    display_name = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    email_key = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    resource = table.Column<JsonObject>(type: "jsonb", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_modified_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scim_users", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_sequence",
                schema: "ingestion",
                table: "outbox_messages",
                column: "sequence",
                filter: "parked_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_scim_users_provider_id_display_name",
                schema: "ingestion",
                table: "scim_users",
                columns: new[] { "provider_id", "display_name" });

            migrationBuilder.CreateIndex(
                name: "IX_scim_users_provider_id_email_key",
                schema: "ingestion",
                table: "scim_users",
                columns: new[] { "provider_id", "email_key" });

            migrationBuilder.CreateIndex(
                name: "IX_scim_users_provider_id_external_id",
                schema: "ingestion",
                table: "scim_users",
                columns: new[] { "provider_id", "external_id" });

            migrationBuilder.CreateIndex(
                name: "IX_scim_users_provider_id_user_name_key",
                schema: "ingestion",
                table: "scim_users",
                columns: new[] { "provider_id", "user_name_key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "ingestion");

            migrationBuilder.DropTable(
                name: "scim_users",
                schema: "ingestion");
        }
    }
}
