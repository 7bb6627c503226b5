using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.Infrastructure;

/// <remarks>
/// Add a migration with:
/// <c>dotnet ef migrations add &lt;Name&gt; --project services/Bifrost.Ingestion --output-dir Infrastructure/Migrations</c>
/// </remarks>
public sealed class IngestionDbContext(DbContextOptions<IngestionDbContext> options) : DbContext(options)
{
    public const string Schema = "ingestion";

    public DbSet<ScimUser> Users => Set<ScimUser>();
    public DbSet<ScimGroup> Groups => Set<ScimGroup>();
    public DbSet<ScimGroupMember> GroupMembers => Set<ScimGroupMember>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(IngestionDbContext).Assembly);
        modelBuilder.AddOutbox();
    }
}
