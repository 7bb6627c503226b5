using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Reconciliation.Infrastructure.Migrations
{
    /// <summary>
    /// A run's working set (<see cref="Services.ReconciliationStage"/>): what it read of ingestion and of Graph, keyed by
    /// the stage (one per provider in a run), so that the run's memory does not grow with the directory. Unlogged: a
    /// stage lives only as long as its run, and a crash fails the run anyway. Not part of the EF model: bulk SQL only.
    /// </summary>
    public partial class Staging : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE reconciliation.stages (
                    id uuid PRIMARY KEY,
                    run_id uuid NOT NULL,
                    provider_id uuid NOT NULL,
                    created_at timestamp with time zone NOT NULL DEFAULT now());

                CREATE UNLOGGED TABLE reconciliation.stage_users (
                    stage uuid NOT NULL,
                    id uuid NOT NULL,
                    user_key uuid NOT NULL,
                    active boolean NOT NULL,
                    hashes bytea NOT NULL,
                    seen boolean NOT NULL DEFAULT false,
                    PRIMARY KEY (stage, id))
                    WITH (fillfactor = 70);
                CREATE INDEX ix_stage_users_key ON reconciliation.stage_users (stage, user_key);

                CREATE UNLOGGED TABLE reconciliation.stage_user_map (
                    stage uuid NOT NULL,
                    graph_id uuid NOT NULL,
                    scim_id uuid NOT NULL,
                    PRIMARY KEY (stage, graph_id));

                CREATE UNLOGGED TABLE reconciliation.stage_groups (
                    stage uuid NOT NULL,
                    id uuid NOT NULL,
                    display_name text NOT NULL,
                    external_id text NULL,
                    name_key text NOT NULL,
                    external_key text NULL,
                    seen boolean NOT NULL DEFAULT false,
                    PRIMARY KEY (stage, id));
                CREATE INDEX ix_stage_groups_name ON reconciliation.stage_groups (stage, name_key);
                CREATE INDEX ix_stage_groups_external ON reconciliation.stage_groups (stage, external_key);

                CREATE UNLOGGED TABLE reconciliation.stage_scope_groups (
                    stage uuid NOT NULL,
                    graph_id uuid NOT NULL,
                    scim_id uuid NULL,
                    created boolean NOT NULL,
                    PRIMARY KEY (stage, graph_id));

                CREATE UNLOGGED TABLE reconciliation.stage_assigned (
                    stage uuid NOT NULL,
                    graph_id uuid NOT NULL,
                    is_group boolean NOT NULL,
                    PRIMARY KEY (stage, graph_id));

                CREATE UNLOGGED TABLE reconciliation.stage_group_members (
                    stage uuid NOT NULL,
                    group_id uuid NOT NULL,
                    members uuid[] NOT NULL,
                    PRIMARY KEY (stage, group_id));
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE reconciliation.stage_group_members;
                DROP TABLE reconciliation.stage_assigned;
                DROP TABLE reconciliation.stage_scope_groups;
                DROP TABLE reconciliation.stage_groups;
                DROP TABLE reconciliation.stage_user_map;
                DROP TABLE reconciliation.stage_users;
                DROP TABLE reconciliation.stages;
                """);
        }
    }
}
