using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Infrastructure;

/// <remarks>
/// Add a migration with:
/// <c>dotnet ef migrations add &lt;Name&gt; --project services/Bifrost.Identity --output-dir Infrastructure/Migrations</c>
/// </remarks>
public sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options) : DbContext(options)
{
    public const string Schema = "identity";

    public DbSet<GovernanceUser> Users => Set<GovernanceUser>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(IdentityDbContext).Assembly);
        modelBuilder.AddInbox();
        modelBuilder.AddOutbox();
    }
}
