using Microsoft.Extensions.Options;

namespace Bifrost.Reconciliation.Services;

/// <summary>
/// Starts a run of every provider once at start-up (<c>Bifrost:Reconciliation:RunOnStartup</c>) and then every
/// <c>Bifrost:Reconciliation:Interval</c>, on the injected <see cref="TimeProvider"/> (tests advance a fake one).
/// A tick that finds a run still running skips; one that cannot start logs and waits for the next.
/// </summary>
internal sealed class ReconciliationScheduler(RunCoordinator coordinator, IOptions<ReconciliationOptions> options, TimeProvider time, ILogger<ReconciliationScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        await coordinator.FailInterruptedRunsAsync(stoppingToken);
        if (options.Value.RunOnStartup)
        {
            await TryStartAsync(RunTrigger.Startup, stoppingToken);
        }

        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await TryStartAsync(RunTrigger.Schedule, stoppingToken);
        }
    }

    private async Task TryStartAsync(RunTrigger trigger, CancellationToken stoppingToken)
    {
        try
        {
            if (await coordinator.StartAsync(providerId: null, dryRun: false, trigger, stoppingToken) is StartRunResult.AlreadyRunning running)
            {
                ReconciliationLog.ScheduledRunSkipped(logger, ReconciliationMetrics.Lower(trigger), running.Run.Id);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            ReconciliationLog.ScheduledRunNotStarted(logger, ReconciliationMetrics.Lower(trigger), ex);
        }
    }
}
