using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bifrost.Messaging;

public static class DatabaseExtensions
{
    /// <summary>
    /// A service's own DbContext on PostgreSQL: pooled, in its own schema (migrations history included), with the
    /// outbox interceptor, Aspire's health check, retries and telemetry, and the start-up migration.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDbContext<TDbContext>(this IHostApplicationBuilder builder, string connectionName, string schema)
        where TDbContext : DbContext
    {
        // AddDbContextPool + Enrich instead of AddNpgsqlDbContext: the interceptor is resolved from DI.
        builder.Services.AddDbContextPool<TDbContext>((services, options) => options
            .UseNpgsql(builder.Configuration.GetConnectionString(connectionName),
                npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", schema))
            .AddOutboxInterceptor(services));
        builder.EnrichNpgsqlDbContext<TDbContext>();
        return builder.AddDatabaseMigration<TDbContext>();
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
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
