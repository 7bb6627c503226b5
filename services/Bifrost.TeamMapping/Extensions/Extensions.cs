using Bifrost.Messaging;
using Bifrost.TeamMapping.Messaging;

namespace Bifrost.TeamMapping.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "teammappingdb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<TeamMappingDbContext>(DatabaseName, TeamMappingDbContext.Schema);

        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<ScimGroupEventsConsumer>(typeof(ScimGroupEventsConsumerDefinition));
            bus.AddConsumer<ScimUserEventsConsumer>(typeof(ScimUserEventsConsumerDefinition));
            bus.AddConsumer<ProviderMappingsChangedConsumer>(typeof(ProviderMappingsChangedConsumerDefinition));
        });
        builder.AddOutboxRelay<TeamMappingDbContext>();
        builder.AddInboxPurger<TeamMappingDbContext>();

        // A malformed body is the caller's mistake: 400 (a problem body from the status-code pages), also in Development.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);

        builder.Services.AddScoped<AffiliationRefresher>();
        builder.Services.AddOptions<RecomputationOptions>().BindConfiguration("Bifrost:Recomputation").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<RecomputationWorker>();
    }
}
