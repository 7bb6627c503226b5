using Microsoft.EntityFrameworkCore;

namespace Bifrost.Reconciliation.Infrastructure;

/// <remarks>
/// Add a migration with:
/// <c>dotnet ef migrations add &lt;Name&gt; --project services/Bifrost.Reconciliation --output-dir Infrastructure/Migrations</c>
/// </remarks>
public sealed class ReconciliationDbContext(DbContextOptions<ReconciliationDbContext> options) : DbContext(options)
{
    public const string Schema = "reconciliation";

    public DbSet<ReconciliationRun> Runs => Set<ReconciliationRun>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        // No outbox or inbox: reconciliation publishes and consumes no events. Its repairs go through ingestion's SCIM
        // API, whose outbox carries them.
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ReconciliationDbContext).Assembly);
    }
}
