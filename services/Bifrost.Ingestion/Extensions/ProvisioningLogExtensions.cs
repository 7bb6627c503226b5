namespace Bifrost.Ingestion.Extensions;

internal static class ProvisioningLogExtensions
{
    /// <summary>
    /// The provisioning log (decision i): requests are queued by <see cref="ProvisioningLog"/>, written in batches by
    /// <see cref="ProvisioningLogWriter"/> and purged after the retention period by <see cref="ProvisioningLogPurger"/>.
    /// </summary>
    public static IHostApplicationBuilder AddProvisioningLog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProvisioningLogOptions>().BindConfiguration(ProvisioningLogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ProvisioningLog>();
        builder.Services.AddHostedService<ProvisioningLogWriter>();
        builder.Services.AddSingleton<ProvisioningLogPurger>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProvisioningLogPurger>());
        return builder;
    }
}
