using Bifrost.Reconciliation.Infrastructure;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Bifrost.Reconciliation.FunctionalTests;

public sealed class MigrationTests
{
    private const string BeforeNoMessaging = "20261130133000_Staging";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_migrations_build_the_current_model() => MigrationChecks.AssertMatchModel<ReconciliationDbContext>(ReconciliationDbContext.Schema);

    [Fact]
    public async Task Reconciliation_keeps_no_outbox_or_inbox_and_a_downgrade_brings_them_back()
    {
        await using var database = await PostgresDatabase.CreateAsync(Ct);
        await using var db = MigrationChecks.Context<ReconciliationDbContext>(ReconciliationDbContext.Schema, database.ConnectionString);

        await db.Database.MigrateAsync(Ct);
        Assert.Equal(["runs", "stages"], await TablesAsync(database.ConnectionString));

        await db.GetService<IMigrator>().MigrateAsync(BeforeNoMessaging, cancellationToken: Ct);
        Assert.Equal(["inbox_messages", "outbox_messages", "runs", "stages"], await TablesAsync(database.ConnectionString));
    }

    /// <summary>The schema's ordinary tables, not the migrations history or a run's unlogged staging tables.</summary>
    private static async Task<List<string>> TablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'reconciliation' AND c.relkind = 'r' AND c.relpersistence = 'p' AND c.relname <> '__EFMigrationsHistory'
            ORDER BY c.relname
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var tables = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}
