using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.TeamMapping.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class MembershipUserSourceIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_team_memberships_user_id",
                schema: "team_mapping",
                table: "team_memberships");

            migrationBuilder.CreateIndex(
                name: "IX_team_memberships_user_id_source",
                schema: "team_mapping",
                table: "team_memberships",
                columns: new[] { "user_id", "source" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_team_memberships_user_id_source",
                schema: "team_mapping",
                table: "team_memberships");

            migrationBuilder.CreateIndex(
                name: "IX_team_memberships_user_id",
                schema: "team_mapping",
                table: "team_memberships",
                column: "user_id");
        }
    }
}
