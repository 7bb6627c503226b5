using Bifrost.Messaging;
using Bifrost.Reconciliation.Graph;

namespace Bifrost.Reconciliation.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "reconciliationdb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // No event bus: reconciliation reads Graph and identity and writes through ingestion, which publishes the events.
        builder.AddServiceDbContext<ReconciliationDbContext>(DatabaseName, ReconciliationDbContext.Schema);

        // A body that does not bind (e.g. "dryRun": "maybe") is a 400 with a problem body, in Development too.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);
        builder.Services.AddOptions<ReconciliationOptions>().BindConfiguration("Bifrost:Reconciliation").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient(nameof(GraphClients));
        builder.Services.AddSingleton<GraphClients>();

        // Service discovery names (overridable, e.g. by tests): identity owns providers, ingestion is the SCIM server of record.
        builder.Services.AddHttpClient<IGraphProviderSource, IdentityGraphProviderSource>(http =>
            http.BaseAddress = new Uri(builder.Configuration["Bifrost:Reconciliation:IdentityUrl"] ?? "http://identity"));
        builder.Services.AddHttpClient<IngestionClient>(http =>
            http.BaseAddress = new Uri(builder.Configuration["Bifrost:Reconciliation:IngestionUrl"] ?? "http://ingestion"));

        builder.Services.AddSingleton<ReconciliationMetrics>();
        builder.Services.AddTransient<Reconciler>();
        builder.Services.AddSingleton<RunCoordinator>();
        // After the migrator (hosted services start in registration order): the scheduler reads the runs table.
        builder.Services.AddHostedService<ReconciliationScheduler>();
    }
}
