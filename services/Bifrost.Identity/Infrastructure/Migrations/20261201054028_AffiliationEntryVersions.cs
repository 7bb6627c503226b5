using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Identity.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AffiliationEntryVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "version",
                schema: "identity",
                table: "user_affiliations",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "version",
                schema: "identity",
                table: "user_affiliations");
        }
    }
}
