using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bifrost.Reconciliation.Infrastructure;

/// <summary>Lets <c>dotnet ef</c> build the model without starting the service (no database is contacted).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ReconciliationDbContext>
{
    public ReconciliationDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<ReconciliationDbContext>()
        .UseNpgsql("Host=localhost;Database=reconciliation", npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", ReconciliationDbContext.Schema))
        .Options);
}
