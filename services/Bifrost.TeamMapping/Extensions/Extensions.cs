using Bifrost.Messaging;
using Bifrost.TeamMapping.Messaging;

namespace Bifrost.TeamMapping.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "teammappingdb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<TeamMappingDbContext>(DatabaseName, TeamMappingDbContext.Schema);

        builder.AddMessaging(bus => bus.AddConsumer<ScimGroupEventsConsumer>(typeof(ScimGroupEventsConsumerDefinition)));
        builder.AddOutboxRelay<TeamMappingDbContext>();
    }
}
