using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Identity.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class ProviderMappingsVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "mappings_version",
                schema: "identity",
                table: "providers",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<uint>(
                name: "xmin",
                schema: "identity",
                table: "providers",
                type: "xid",
                rowVersion: true,
                nullable: false,
                defaultValue: 0u);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "mappings_version",
                schema: "identity",
                table: "providers");

            migrationBuilder.DropColumn(
                name: "xmin",
                schema: "identity",
                table: "providers");
        }
    }
}
