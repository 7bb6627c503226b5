using Bifrost.Testing;
using Bifrost.TeamMapping.Infrastructure;

namespace Bifrost.TeamMapping.FunctionalTests;

public sealed class TeamMappingFixture() : ServiceFactory<Program, TeamMappingDbContext>("teammappingdb");
