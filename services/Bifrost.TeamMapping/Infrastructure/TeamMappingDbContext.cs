using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Infrastructure;

/// <remarks>
/// Add a migration with:
/// <c>dotnet ef migrations add &lt;Name&gt; --project services/Bifrost.TeamMapping --output-dir Infrastructure/Migrations</c>
/// </remarks>
public sealed class TeamMappingDbContext(DbContextOptions<TeamMappingDbContext> options) : DbContext(options)
{
    public const string Schema = "team_mapping";

    public DbSet<Team> Teams => Set<Team>();

    public DbSet<TeamMembership> Memberships => Set<TeamMembership>();

    public DbSet<BusinessUnit> BusinessUnits => Set<BusinessUnit>();

    public DbSet<BusinessUnitMembership> BusinessUnitMemberships => Set<BusinessUnitMembership>();

    public DbSet<MappedUser> Users => Set<MappedUser>();

    public DbSet<ProviderRules> ProviderRules => Set<ProviderRules>();

    public DbSet<Recomputation> Recomputations => Set<Recomputation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(TeamMappingDbContext).Assembly);
        modelBuilder.AddInbox();
        modelBuilder.AddOutbox();
    }
}
