using Bifrost.Messaging;
using Bifrost.Reconciliation.Graph;

namespace Bifrost.Reconciliation.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "reconciliationdb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<ReconciliationDbContext>(DatabaseName, ReconciliationDbContext.Schema);

        builder.AddMessaging();
        builder.AddOutboxRelay<ReconciliationDbContext>();

        builder.Services.AddHttpClient(nameof(GraphClients));
        builder.Services.AddSingleton<GraphClients>();
    }
}
