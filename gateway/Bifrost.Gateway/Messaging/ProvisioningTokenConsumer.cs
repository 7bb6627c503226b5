using Bifrost.Contracts.Providers;
using Bifrost.Messaging;
using MassTransit;

namespace Bifrost.Gateway.Messaging;

/// <summary>
/// Keeps this replica's <see cref="CredentialStore"/> in step with identity's provisioning tokens. The gateway has no
/// database, so there is no inbox: the store's per-provider version guard makes redelivered and reordered events
/// harmless instead.
/// </summary>
public sealed partial class ProvisioningTokenConsumer(CredentialStore store, ILogger<ProvisioningTokenConsumer> logger) :
    IConsumer<EventBatch<ProvisioningTokenIssued>>,
    IConsumer<EventBatch<ProvisioningTokenRevoked>>
{
    public Task Consume(ConsumeContext<EventBatch<ProvisioningTokenIssued>> context)
    {
        foreach (var message in context.Message.Events.Select(e => e.Message))
        {
            var hash = Convert.FromHexString(message.TokenSha256);
            if (hash.Length != 32)
            {
                throw new FormatException($"TokenSha256 of provider {message.ProviderId} is not a SHA-256 hash.");
            }

            Log(message.ProviderId, message.Version, store.Apply(new ProviderTokenState(message.ProviderId, hash, message.Version)), "issued");
        }

        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<EventBatch<ProvisioningTokenRevoked>> context)
    {
        foreach (var message in context.Message.Events.Select(e => e.Message))
        {
            Log(message.ProviderId, message.Version, store.Apply(new ProviderTokenState(message.ProviderId, null, message.Version)), "revoked");
        }

        return Task.CompletedTask;
    }

    private void Log(Guid providerId, long version, bool applied, string change)
    {
        if (applied)
        {
            LogApplied(logger, change, providerId, version);
        }
        else
        {
            LogStale(logger, change, providerId, version);
        }
    }

    [LoggerMessage(EventId = 3101, EventName = "ProviderTokenApplied", Level = LogLevel.Information,
        Message = "Token {Change} for provider {ProviderId} applied (version {Version})")]
    private static partial void LogApplied(ILogger logger, string change, Guid providerId, long version);

    [LoggerMessage(EventId = 3102, EventName = "ProviderTokenStale", Level = LogLevel.Debug,
        Message = "Token {Change} for provider {ProviderId} ignored: version {Version} is not newer")]
    private static partial void LogStale(ILogger logger, string change, Guid providerId, long version);
}

/// <summary>
/// Every gateway replica needs every token event, so each one consumes from a queue of its own (named with this
/// process's instance id) that RabbitMQ deletes when the replica goes away, instead of a shared competing queue.
/// </summary>
public sealed class ProvisioningTokenConsumerDefinition : BifrostConsumerDefinition<ProvisioningTokenConsumer>
{
    public ProvisioningTokenConsumerDefinition()
    {
        Endpoint(endpoint =>
        {
            endpoint.InstanceId = InstanceId;
            endpoint.Temporary = true;
        });
    }

    /// <summary>Machine and process: unique per replica, readable in the broker's queue list.</summary>
    public static string InstanceId { get; } =
        $"{new string(Environment.MachineName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray())}-{Environment.ProcessId}";
}
