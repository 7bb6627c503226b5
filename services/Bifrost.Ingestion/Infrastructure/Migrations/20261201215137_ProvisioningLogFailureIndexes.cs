using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Ingestion.Infrastructure.Migrations
{
    /// <summary>
    /// Replaces the full (provider, outcome, time) index of <c>provisioning_log</c>, which took an insert for every
    /// request, with two partial indexes on failures only. Built and dropped <c>CONCURRENTLY</c> (outside the migration's
    /// transaction): the log is large and written all the time, and a plain <c>CREATE INDEX</c> would hold its writes for
    /// the whole build. Every statement is idempotent (<c>IF [NOT] EXISTS</c>), so a run interrupted between them completes
    /// when the migration is applied again. A build interrupted midway (the process killed, a cancelled statement) leaves
    /// an invalid index of that name behind, which <c>IF NOT EXISTS</c> would take for the finished one and PostgreSQL
    /// would never use: each build first drops an invalid leftover of its name (a plain <c>DROP INDEX</c>, in a <c>DO</c>
    /// block, which cannot run <c>CONCURRENTLY</c>; dropping an index that was never valid only takes the table's lock for
    /// an instant).
    /// </summary>
    public partial class ProvisioningLogFailureIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(DropInvalidIndex("IX_provisioning_log_failures"), suppressTransaction: true);
            migrationBuilder.Sql("""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS "IX_provisioning_log_failures"
                ON ingestion.provisioning_log (occurred_at DESC, id DESC) WHERE outcome = 'failure';
                """, suppressTransaction: true);
            migrationBuilder.Sql(DropInvalidIndex("IX_provisioning_log_provider_failures"), suppressTransaction: true);
            migrationBuilder.Sql("""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS "IX_provisioning_log_provider_failures"
                ON ingestion.provisioning_log (provider_id, occurred_at DESC, id DESC) WHERE outcome = 'failure';
                """, suppressTransaction: true);
            migrationBuilder.Sql("""
                DROP INDEX CONCURRENTLY IF EXISTS ingestion."IX_provisioning_log_provider_id_outcome_occurred_at_id";
                """, suppressTransaction: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(DropInvalidIndex("IX_provisioning_log_provider_id_outcome_occurred_at_id"), suppressTransaction: true);
            migrationBuilder.Sql("""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS "IX_provisioning_log_provider_id_outcome_occurred_at_id"
                ON ingestion.provisioning_log (provider_id, outcome, occurred_at DESC, id DESC);
                """, suppressTransaction: true);
            migrationBuilder.Sql("""DROP INDEX CONCURRENTLY IF EXISTS ingestion."IX_provisioning_log_failures";""", suppressTransaction: true);
            migrationBuilder.Sql("""DROP INDEX CONCURRENTLY IF EXISTS ingestion."IX_provisioning_log_provider_failures";""", suppressTransaction: true);
        }

        /// <summary>Drops <c>ingestion.&lt;name&gt;</c> if it exists and is not valid (what an interrupted concurrent build leaves).</summary>
        private static string DropInvalidIndex(string name) => $$"""
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'ingestion' AND c.relname = '{{name}}' AND NOT i.indisvalid) THEN
                    DROP INDEX ingestion."{{name}}";
                END IF;
            END $$;
            """;
    }
}
