using System.Net.Http.Json;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Bifrost.Gateway.Authentication;

/// <summary>Section <c>Bifrost:Gateway:TokenSync</c>.</summary>
public sealed class ProviderTokenSyncOptions
{
    /// <summary>Learn provider tokens from identity (snapshot + events). Off, only configured providers work.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Identity's base address, resolved by service discovery.</summary>
    public Uri IdentityUrl { get; set; } = new("http://identity");

    /// <summary>A full reload now and then, a safety net under the events (which already carry every change).</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromMinutes(5);
}

internal sealed record TokenSnapshotDto(List<TokenStateDto> Tokens);

internal sealed record TokenStateDto(Guid ProviderId, string? TokenSha256, long Version);

/// <summary>
/// Loads every provider's token state from identity (<c>GET /internal/providers/tokens</c>, retried until identity
/// answers) once this replica's event queue is bound, so no change falls between the snapshot and the first event. It
/// reloads whenever the receive endpoint becomes ready again (a temporary queue does not survive a lost broker
/// connection, so events may have been missed) and every <see cref="ProviderTokenSyncOptions.ResyncInterval"/>. The
/// store's version guard merges snapshot and events in any order. Until the first load the replica reports unhealthy.
/// </summary>
internal sealed partial class ProviderTokenSync(
    IHttpClientFactory httpClientFactory,
    CredentialStore store,
    IOptions<ProviderTokenSyncOptions> options,
    ILogger<ProviderTokenSync> logger) : BackgroundService, IReceiveEndpointObserver, IHealthCheck
{
    public const string HttpClientName = "identity-tokens";

    private readonly SemaphoreSlim _reload = new(0, 1);
    private volatile bool _loaded;

    public bool Loaded => _loaded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first load waits (briefly) for the queue to be bound; later ones for a reconnect or the interval.
        var wait = TimeSpan.FromSeconds(10);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _reload.WaitAsync(wait, stoppingToken);
                await LoadUntilAnsweredAsync(stoppingToken);
                wait = options.Value.ResyncInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task LoadUntilAnsweredAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await LoadAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, Math.Min(attempt, 5))));
                LogLoadFailed(logger, ex, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    internal async Task LoadAsync(CancellationToken cancellationToken)
    {
        var http = httpClientFactory.CreateClient(HttpClientName);
        var snapshot = await http.GetFromJsonAsync<TokenSnapshotDto>(new Uri(options.Value.IdentityUrl, "/internal/providers/tokens"), cancellationToken)
            ?? throw new FormatException("Identity answered an empty token snapshot.");
        var states = snapshot.Tokens.Select(t => new ProviderTokenState(
            t.ProviderId,
            t.TokenSha256 is null ? null : Convert.FromHexString(t.TokenSha256),
            t.Version)).ToList();
        var applied = store.Apply(states);
        _loaded = true;
        LogLoaded(logger, states.Count, applied);
    }

    private void RequestReload()
    {
        try
        {
            if (_reload.CurrentCount == 0)
            {
                _reload.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // A reload is already pending.
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_loaded
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Waiting for identity's provisioning token snapshot."));

    public Task Ready(ReceiveEndpointReady ready)
    {
        RequestReload();
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    [LoggerMessage(EventId = 3103, EventName = "TokenSnapshotLoaded", Level = LogLevel.Information,
        Message = "Loaded {Count} provider token state(s) from identity, {Applied} newer than this replica's")]
    private static partial void LogLoaded(ILogger logger, int count, int applied);

    [LoggerMessage(EventId = 3104, EventName = "TokenSnapshotFailed", Level = LogLevel.Warning,
        Message = "Loading provider tokens from identity failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, int attempt, double delayMs);
}
