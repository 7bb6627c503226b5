using Bifrost.TeamMapping.Infrastructure;
using Bifrost.Testing;

namespace Bifrost.TeamMapping.FunctionalTests;

public sealed class MigrationTests
{
    [Fact]
    public void The_migrations_build_the_current_model() => MigrationChecks.AssertMatchModel<TeamMappingDbContext>(TeamMappingDbContext.Schema);
}
