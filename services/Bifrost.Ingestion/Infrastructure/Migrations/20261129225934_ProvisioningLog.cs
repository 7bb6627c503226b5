using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Bifrost.Ingestion.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class ProvisioningLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "provisioning_log",
                schema: "ingestion",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    provider_id = table.Column<Guid>(type: "uuid", nullable: true),
                    method = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    resource_type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    operation = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    resource_id = table.Column<Guid>(type: "uuid", nullable: true),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<int>(type: "integer", nullable: false),
                    scim_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    duration_ms = table.Column<double>(type: "double precision", nullable: false),
                    trace_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_provisioning_log", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_provisioning_log_occurred_at_id",
                schema: "ingestion",
                table: "provisioning_log",
                columns: new[] { "occurred_at", "id" },
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "IX_provisioning_log_provider_id_occurred_at_id",
                schema: "ingestion",
                table: "provisioning_log",
                columns: new[] { "provider_id", "occurred_at", "id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "IX_provisioning_log_provider_id_outcome_occurred_at_id",
                schema: "ingestion",
                table: "provisioning_log",
                columns: new[] { "provider_id", "outcome", "occurred_at", "id" },
                descending: new[] { false, false, true, true });

            migrationBuilder.CreateIndex(
                name: "IX_provisioning_log_resource_id_occurred_at",
                schema: "ingestion",
                table: "provisioning_log",
                columns: new[] { "resource_id", "occurred_at" },
                filter: "resource_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_provisioning_log_trace_id",
                schema: "ingestion",
                table: "provisioning_log",
                column: "trace_id",
                filter: "trace_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "provisioning_log",
                schema: "ingestion");
        }
    }
}
