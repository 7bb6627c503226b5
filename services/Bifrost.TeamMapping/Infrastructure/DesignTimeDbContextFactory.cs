using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bifrost.TeamMapping.Infrastructure;

/// <summary>Lets <c>dotnet ef</c> build the model without starting the service (no database is contacted).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<TeamMappingDbContext>
{
    public TeamMappingDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<TeamMappingDbContext>()
        .UseNpgsql("Host=localhost;Database=teammapping", npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", TeamMappingDbContext.Schema))
        .Options);
}
