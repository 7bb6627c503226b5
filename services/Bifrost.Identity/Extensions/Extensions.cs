using Bifrost.Identity.Messaging;
using Bifrost.Messaging;

namespace Bifrost.Identity.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "identitydb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<IdentityDbContext>(DatabaseName, IdentityDbContext.Schema);

        builder.AddMessaging(bus => bus.AddConsumer<ScimUserEventsConsumer>(typeof(ScimUserEventsConsumerDefinition)));
        builder.AddOutboxRelay<IdentityDbContext>();
    }
}
