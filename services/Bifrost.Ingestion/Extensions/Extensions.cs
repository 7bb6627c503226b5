using Bifrost.Messaging;
using Microsoft.AspNetCore.HttpOverrides;

namespace Bifrost.Ingestion.Extensions;

internal static class Extensions
{
    public const string DatabaseName = "ingestiondb";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<IngestionDbContext>(DatabaseName, IngestionDbContext.Schema);

        builder.AddMessaging();
        builder.AddOutboxRelay<IngestionDbContext>();

        // Only the gateway reaches ingestion (it has no external endpoint): trust its X-Forwarded-* for Location URLs.
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedHost | ForwardedHeaders.XForwardedProto;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
        });
        builder.Services.AddSingleton<IngestionMetrics>();
        builder.Services.AddOptions<ScimOptions>().BindConfiguration(ScimOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<ScimUserQueries>();
        builder.Services.AddScoped<ScimGroupQueries>();
        builder.Services.AddScoped<ScimUserService>();
        builder.Services.AddScoped<ScimGroupService>();
        builder.Services.AddSingleton<ScimGroupWriteGate>();
        builder.Services.AddScoped<ScimBulkProcessor>();
        builder.Services.AddSingleton<ScimUserCreateBatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ScimUserCreateBatcher>());
        builder.Services.AddSingleton<ScimUserUpdateBatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ScimUserUpdateBatcher>());
        builder.Services.AddSingleton<ScimUserLookupBatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ScimUserLookupBatcher>());
        builder.AddProvisioningLog();
    }
}
