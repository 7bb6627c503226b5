using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bifrost.Ingestion.Infrastructure.Migrations
{
    /// <summary>
    /// Replaces the full (provider, outcome, time) index of <c>provisioning_log</c>, which took an insert for every
    /// request, with two partial indexes on failures only. Built and dropped <c>CONCURRENTLY</c> (outside the migration's
    /// transaction): the log is large and written all the time, and a plain <c>CREATE INDEX</c> would hold its writes for
    /// the whole build. Every statement is idempotent (<c>IF [NOT] EXISTS</c>), so a run interrupted between them completes
    /// when the migration is applied again.
    /// </summary>
    public partial class ProvisioningLogFailureIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS "IX_provisioning_log_failures"
                ON ingestion.provisioning_log (occurred_at DESC, id DESC) WHERE outcome = 'failure';
                """, suppressTransaction: true);
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
            migrationBuilder.Sql("""
                CREATE INDEX CONCURRENTLY IF NOT EXISTS "IX_provisioning_log_provider_id_outcome_occurred_at_id"
                ON ingestion.provisioning_log (provider_id, outcome, occurred_at DESC, id DESC);
                """, suppressTransaction: true);
            migrationBuilder.Sql("""DROP INDEX CONCURRENTLY IF EXISTS ingestion."IX_provisioning_log_failures";""", suppressTransaction: true);
            migrationBuilder.Sql("""DROP INDEX CONCURRENTLY IF EXISTS ingestion."IX_provisioning_log_provider_failures";""", suppressTransaction: true);
        }
    }
}
