using Microsoft.Extensions.Options;

namespace Bifrost.Gateway.Authentication;

/// <summary>Loads the providers and admin keys named in configuration into the <see cref="CredentialStore"/> at start.</summary>
internal sealed partial class ConfiguredCredentialsLoader(
    IOptions<GatewayAuthOptions> options, CredentialStore store, IHostEnvironment environment, ILogger<ConfiguredCredentialsLoader> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var allowLiteral = environment.IsDevelopment();
        var providers = new List<ProviderCredential>();
        foreach (var provider in options.Value.Providers)
        {
            if (SecretHash.FromConfiguration(provider.Token, allowLiteral) is { } hash && provider.Id != Guid.Empty)
            {
                providers.Add(new ProviderCredential(provider.Id, provider.Name, hash));
            }
            else
            {
                LogSkippedProvider(logger, provider.Id);
            }
        }

        var keys = options.Value.AdminKeys
            .Select(k => SecretHash.FromConfiguration(k.Key, allowLiteral) is { } hash ? new AdminCredential(k.Name, k.Role, hash) : null)
            .OfType<AdminCredential>()
            .ToList();

        store.ReplaceProviders(providers);
        store.ReplaceAdminKeys(keys);
        LogLoaded(logger, providers.Count, keys.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3001, EventName = "CredentialsLoaded", Level = LogLevel.Information,
        Message = "Loaded {ProviderCount} provider token(s) and {AdminKeyCount} admin key(s) from configuration")]
    private static partial void LogLoaded(ILogger logger, int providerCount, int adminKeyCount);

    [LoggerMessage(EventId = 3002, EventName = "ProviderTokenMissing", Level = LogLevel.Warning,
        Message = "Provider {ProviderId} has no usable token in configuration (unset env variable, or a literal outside Development); it is skipped")]
    private static partial void LogSkippedProvider(ILogger logger, Guid providerId);
}
