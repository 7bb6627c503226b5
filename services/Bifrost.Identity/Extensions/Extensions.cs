using Bifrost.Identity.Messaging;
using Bifrost.Messaging;

namespace Bifrost.Identity.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "identitydb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<IdentityDbContext>(DatabaseName, IdentityDbContext.Schema);

        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<ScimUserEventsConsumer>(typeof(ScimUserEventsConsumerDefinition));
            bus.AddConsumer<ScimGroupEventsConsumer>(typeof(ScimGroupEventsConsumerDefinition));
            bus.AddConsumer<UserAffiliationsConsumer>(typeof(UserAffiliationsConsumerDefinition));
        });
        builder.AddOutboxRelay<IdentityDbContext>();
        builder.AddInboxPurger<IdentityDbContext>();

        builder.Services.AddOptions<PublicEndpointOptions>().BindConfiguration("Bifrost");
        builder.Services.AddOptions<ProviderSeedOptions>().BindConfiguration("Bifrost:Providers");
        builder.Services.AddScoped<ProvisioningTokens>();
        builder.Services.AddScoped<RoleAssigner>();
        // After the migrator (hosted services start in registration order): the seed needs the tables.
        builder.Services.AddHostedService<ProviderSeeder>();
        builder.Services.AddOptions<RoleRecomputationOptions>().BindConfiguration("Bifrost:RoleRecomputation");
        builder.Services.AddSingleton<RoleRecomputationSignal>();
        builder.Services.AddHostedService<RoleRecomputationWorker>();
    }
}
