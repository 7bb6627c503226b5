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

        builder.Services.AddOptions<PublicEndpointOptions>().BindConfiguration("Bifrost");
        builder.Services.AddOptions<ProviderSeedOptions>().BindConfiguration("Bifrost:Providers");
        builder.Services.AddScoped<ProvisioningTokens>();
        // After the migrator (hosted services start in registration order): the seed needs the tables.
        builder.Services.AddHostedService<ProviderSeeder>();
    }
}
