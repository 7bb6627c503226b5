using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Identity.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class UserSnapshotVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "snapshot_version",
                schema: "identity",
                table: "users",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Rows written before: their profile is the snapshot of their version.
            migrationBuilder.Sql("UPDATE identity.users SET snapshot_version = version");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "snapshot_version",
                schema: "identity",
                table: "users");
        }
    }
}
