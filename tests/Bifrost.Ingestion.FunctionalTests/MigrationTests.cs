using Bifrost.Ingestion.Infrastructure;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>
/// The migrations make the current model; those that build indexes <c>CONCURRENTLY</c> (outside a transaction) must
/// finish the job when they run again after an interrupted run, including a build that stopped midway and left an
/// invalid index behind.
/// </summary>
public sealed class MigrationTests
{
    private const string BeforeFailureIndexes = "20261129225934_ProvisioningLog";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_migrations_build_the_current_model() => MigrationChecks.AssertMatchModel<IngestionDbContext>(IngestionDbContext.Schema);

    [Fact]
    public async Task An_index_build_interrupted_midway_is_built_again_when_the_migration_runs_again()
    {
        await using var database = await PostgresDatabase.CreateAsync(Ct);
        await using var db = new IngestionDbContext(new DbContextOptionsBuilder<IngestionDbContext>()
            .UseNpgsql(database.ConnectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", IngestionDbContext.Schema))
            .Options);
        await db.GetService<IMigrator>().MigrateAsync(BeforeFailureIndexes, cancellationToken: Ct);

        // What an interrupted CREATE INDEX CONCURRENTLY leaves: an index of that name, marked invalid. A concurrent build
        // that fails (here a unique index over two equal keys) leaves exactly that.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await ExecuteAsync(connection, """
            INSERT INTO ingestion.provisioning_log (occurred_at, method, resource_type, operation, outcome, status, duration_ms)
            VALUES (now(), 'POST', 'User', 'create', 'failure', 409, 1), (now(), 'POST', 'User', 'create', 'failure', 409, 1);
            """);
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection,
            """CREATE UNIQUE INDEX CONCURRENTLY "IX_provisioning_log_failures" ON ingestion.provisioning_log (outcome)"""));
        Assert.False(await IsValidAsync(connection, "IX_provisioning_log_failures"));

        // The service's start-up migration, run again.
        await db.Database.MigrateAsync(Ct);

        Assert.True(await IsValidAsync(connection, "IX_provisioning_log_failures"));
        Assert.True(await IsValidAsync(connection, "IX_provisioning_log_provider_failures"));
        Assert.Equal(
            """CREATE INDEX "IX_provisioning_log_failures" ON ingestion.provisioning_log USING btree (occurred_at DESC, id DESC) WHERE ((outcome)::text = 'failure'::text)""",
            await ScalarAsync<string>(connection, """SELECT pg_get_indexdef('ingestion."IX_provisioning_log_failures"'::regclass)"""));
        Assert.False(await ScalarAsync<bool>(connection,
            """SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'ingestion' AND indexname = 'IX_provisioning_log_provider_id_outcome_occurred_at_id')"""));
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(Ct));
    }

    private static async Task<bool> IsValidAsync(NpgsqlConnection connection, string index) => await ScalarAsync<bool>(connection, $"""
        SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'ingestion' AND c.relname = '{index}'
        """);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
