using Bifrost.Messaging;

namespace Bifrost.Reconciliation.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "reconciliationdb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<ReconciliationDbContext>(DatabaseName, ReconciliationDbContext.Schema);

        builder.AddMessaging();
        builder.AddOutboxRelay<ReconciliationDbContext>();
    }
}
