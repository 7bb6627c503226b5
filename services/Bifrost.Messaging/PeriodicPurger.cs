using Microsoft.Extensions.Hosting;

namespace Bifrost.Messaging;

/// <summary>
/// Deletes what has aged past a retention: once at start, then every <see cref="Interval"/>. A failed pass is reported
/// to <see cref="OnFailed"/> and the next interval tries again. (The inbox's purger and ingestion's provisioning log's.)
/// </summary>
public abstract class PeriodicPurger(TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected abstract TimeSpan Interval { get; }

    /// <summary>One pass; returns how many rows it deleted.</summary>
    public abstract Task<int> PurgeAsync(CancellationToken cancellationToken);

    protected abstract void OnFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        do
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                OnFailed(ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
