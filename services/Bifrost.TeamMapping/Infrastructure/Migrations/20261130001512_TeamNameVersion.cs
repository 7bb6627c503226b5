using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.TeamMapping.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class TeamNameVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "name_version",
                schema: "team_mapping",
                table: "teams",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Existing teams hold the name of their newest applied group version.
            migrationBuilder.Sql("UPDATE team_mapping.teams SET name_version = scim_group_version;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "name_version",
                schema: "team_mapping",
                table: "teams");
        }
    }
}
