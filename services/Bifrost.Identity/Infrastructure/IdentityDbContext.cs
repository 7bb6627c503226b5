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

    public DbSet<IdentityProvider> Providers => Set<IdentityProvider>();

    public DbSet<ProvisioningToken> ProvisioningTokens => Set<ProvisioningToken>();

    public DbSet<ScimGroup> Groups => Set<ScimGroup>();

    public DbSet<GroupMembership> GroupMemberships => Set<GroupMembership>();

    public DbSet<UserAffiliation> UserAffiliations => Set<UserAffiliation>();

    public DbSet<UserAffiliationState> UserAffiliationStates => Set<UserAffiliationState>();

    public DbSet<RoleRecomputation> RoleRecomputations => Set<RoleRecomputation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(IdentityDbContext).Assembly);
        modelBuilder.AddInbox();
        modelBuilder.AddOutbox();
    }
}
