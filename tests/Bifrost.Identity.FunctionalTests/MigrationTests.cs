using Bifrost.Identity.Infrastructure;
using Bifrost.Testing;

namespace Bifrost.Identity.FunctionalTests;

public sealed class MigrationTests
{
    [Fact]
    public void The_migrations_build_the_current_model() => MigrationChecks.AssertMatchModel<IdentityDbContext>(IdentityDbContext.Schema);
}
