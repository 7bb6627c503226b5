using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Bifrost.Testing;

/// <summary>A service's EF migrations, checked without a database.</summary>
public static class MigrationChecks
{
    /// <summary>
    /// A context built the way the service builds it (Npgsql, migrations history in its own schema), on a connection
    /// string that is never opened.
    /// </summary>
    public static TDbContext Context<TDbContext>(string schema, string connectionString = "Host=unused") where TDbContext : DbContext =>
        (TDbContext)Activator.CreateInstance(typeof(TDbContext), new DbContextOptionsBuilder<TDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", schema))
            .Options)!;

    /// <summary>
    /// The last migration's snapshot is the current model: a change to the model (an entity, a column, an index, a table
    /// dropped) without the migration that makes it fails here, not in a customer's start-up.
    /// </summary>
    public static void AssertMatchModel<TDbContext>(string schema) where TDbContext : DbContext
    {
        using var db = Context<TDbContext>(schema);
        Assert.False(db.Database.HasPendingModelChanges(),
            $"{typeof(TDbContext).Name} has model changes that no migration makes: add one (dotnet ef migrations add).");
    }
}
