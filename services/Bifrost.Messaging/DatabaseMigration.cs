using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Bifrost.Messaging;

public static class DatabaseExtensions
{
    /// <summary>
    /// A service's own DbContext on PostgreSQL: pooled, in its own schema (migrations history included), with the
    /// outbox interceptor when the service has messaging (<c>AddMessaging</c>), Aspire's health check, retries and
    /// telemetry, and the start-up migration.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDbContext<TDbContext>(this IHostApplicationBuilder builder, string connectionName, string schema)
        where TDbContext : DbContext
    {
        // AddDbContextPool + Enrich instead of AddNpgsqlDbContext: the interceptor is resolved from DI.
        var connectionString = WithPoolSettings(
            builder.Configuration.GetConnectionString(connectionName),
            builder.Configuration.GetValue<int?>("Bifrost:Database:MaxPoolSize"));
        builder.Services.AddDbContextPool<TDbContext>((services, options) => options
            .UseNpgsql(connectionString,
                npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", schema))
            .AddOutboxInterceptorIfMessaging(services));
        builder.EnrichNpgsqlDbContext<TDbContext>();
        return builder.AddDatabaseMigration<TDbContext>();
    }

    /// <summary>
    /// Begins a transaction that commits or rolls back as a whole. EF wraps each <c>SaveChanges</c> inside a transaction
    /// in a savepoint (two more round trips) so that a failed save can be recovered from without losing the transaction;
    /// nothing here carries on after a failed save (the execution strategy runs the whole unit again), so the savepoints
    /// are turned off for the context.
    /// </summary>
    public static async Task<IDbContextTransaction> BeginAtomicTransactionAsync(this DatabaseFacade database, CancellationToken cancellationToken)
    {
        var transaction = await database.BeginTransactionAsync(cancellationToken);
        database.AutoSavepointsEnabled = false;
        return transaction;
    }

    /// <summary>
    /// Npgsql settings for a service that runs a few fixed statements very often, unless the connection string sets them.
    /// Automatic preparation: a statement a connection runs repeatedly is parsed and planned by PostgreSQL once per
    /// connection, not on every execution (prepared statements survive the connection's return to the pool).
    /// No reset on close: a pooled connection is not reset on its way back (with prepared statements, that reset is a
    /// batch of seven statements). Nothing here leaves session state behind: isolation levels are per transaction and
    /// the advisory locks are transaction-scoped (<c>pg_advisory_xact_lock</c>).
    /// Pool size: <c>Bifrost:Database:MaxPoolSize</c> when set (else Npgsql's 100). A database with few cores does more
    /// work with a few busy connections than with dozens: the AppHost caps ingestion's pool (BENCHMARKS.md).
    /// </summary>
    internal static string? WithPoolSettings(string? connectionString, int? maxPoolSize = null)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        // Npgsql's builder answers ContainsKey for every keyword it knows: ask a plain builder what the string sets.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            settings.NoResetOnClose = true;
        }

        if (maxPoolSize is > 0 && !given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            settings.MaxPoolSize = maxPoolSize.Value;
        }

        return settings.ConnectionString;
    }

    /// <summary>
    /// Applies the context's migrations before the service starts when <c>Bifrost:Database:MigrateOnStartup</c> is true
    /// (development and tests). Production applies EF migration bundles instead. PostgreSQL's migration lock keeps
    /// concurrent replicas safe.
    /// </summary>
    public static IHostApplicationBuilder AddDatabaseMigration<TDbContext>(this IHostApplicationBuilder builder) where TDbContext : DbContext
    {
        if (builder.Configuration.GetValue("Bifrost:Database:MigrateOnStartup", builder.Environment.IsDevelopment()))
        {
            builder.Services.AddHostedService<DatabaseMigrator<TDbContext>>();
        }

        return builder;
    }
}

internal sealed class DatabaseMigrator<TDbContext>(IServiceScopeFactory scopeFactory) : IHostedService where TDbContext : DbContext
{
    /// <summary>
    /// A migration's statements are not requests: building an index on a large table takes minutes, and the connection
    /// string's 30-second command timeout would cancel it (and a cancelled concurrent build leaves an invalid index).
    /// </summary>
    internal static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        db.Database.SetCommandTimeout(CommandTimeout);
        try
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            db.Database.SetCommandTimeout((int?)null); // the context goes back to the pool
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
