using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Reconciliation.Services;

public abstract record StartRunResult
{
    public sealed record Started(ReconciliationRun Run) : StartRunResult;

    /// <summary>A run covering the same provider is running: that one.</summary>
    public sealed record AlreadyRunning(ReconciliationRun Run) : StartRunResult;

    public sealed record UnknownProvider(Guid ProviderId) : StartRunResult;
}

/// <summary>
/// Starts runs (at most one running run per provider, checked under a PostgreSQL advisory lock so replicas agree),
/// executes them in the background, saves progress as it goes and the outcome at the end: <c>completed</c>, or
/// <c>failed</c> with the reason and the repairs applied so far. Never a silent half-run.
/// </summary>
public sealed class RunCoordinator(
    IServiceScopeFactory scopeFactory, ReconciliationMetrics metrics,
    TimeProvider time, IHostApplicationLifetime lifetime, ILogger<RunCoordinator> logger)
{
    private const long StartLockKey = 0x0B1F_0057_2EC0_0001;
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    /// <summary>Runs started before this moment belong to an earlier process; this process's own start after it.</summary>
    private readonly DateTimeOffset _processStartedAt = time.GetUtcNow();

    /// <summary>The runs executing in this process (tests wait on them).</summary>
    public IReadOnlyCollection<Task> Running => [.. _running.Values];

    public async Task<StartRunResult> StartAsync(Guid? providerId, bool dryRun, RunTrigger trigger, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var targets = await scope.ServiceProvider.GetRequiredService<IGraphProviderSource>().GetProvidersAsync(cancellationToken);
        if (providerId is { } requested)
        {
            targets = [.. targets.Where(p => p.ProviderId == requested)];
            if (targets.Count == 0)
            {
                return new StartRunResult.UnknownProvider(requested);
            }
        }

        var db = scope.ServiceProvider.GetRequiredService<ReconciliationDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({StartLockKey})", ct);
            var running = await db.Runs.AsNoTracking()
                .Where(r => r.Status == RunStatus.Running && (providerId == null || r.ProviderId == null || r.ProviderId == providerId))
                .OrderBy(r => r.StartedAt)
                .FirstOrDefaultAsync(ct);
            if (running is not null)
            {
                return (StartRunResult)new StartRunResult.AlreadyRunning(running);
            }

            var run = new ReconciliationRun
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                ProviderId = providerId,
                Trigger = trigger,
                DryRun = dryRun,
                Status = RunStatus.Running,
                StartedAt = time.GetUtcNow(),
                Report = new RunReport { Providers = [.. targets.Select(t => t.ProviderId)] },
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);

            _running[run.Id] = Task.Run(() => ExecuteAsync(run, targets));
            return new StartRunResult.Started(run);
        }, cancellationToken);
    }

    /// <summary>
    /// Runs a previous process left <c>running</c> (it stopped or crashed mid-run) are marked failed. Only runs started
    /// before this process: a run requested while the sweep is under way is this process's own and must not be failed.
    /// </summary>
    public async Task FailInterruptedRunsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReconciliationDbContext>();
        var mine = _running.Keys.ToList();
        var count = await db.Runs
            .Where(r => r.Status == RunStatus.Running && r.StartedAt < _processStartedAt && !mine.Contains(r.Id))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Failed)
                .SetProperty(r => r.CompletedAt, time.GetUtcNow())
                .SetProperty(r => r.Error, "interrupted: the reconciliation service stopped during the run; the repairs counted in the report were applied"), cancellationToken);
        if (count > 0)
        {
            ReconciliationLog.InterruptedRunsFailed(logger, count);
        }

        // Their working sets (and those of any run that ended without cleaning up) go too.
        await ReconciliationStage.SweepAsync(db, cancellationToken);
    }

    private async Task ExecuteAsync(ReconciliationRun run, IReadOnlyList<GraphProvider> targets)
    {
        var cancellationToken = lifetime.ApplicationStopping;
        using var activity = ReconciliationMetrics.ActivitySource.StartActivity("reconciliation run");
        if (activity?.IsAllDataRequested == true)
        {
            activity.SetTag("reconciliation.run_id", run.Id);
            activity.SetTag("reconciliation.trigger", ReconciliationMetrics.Lower(run.Trigger));
            activity.SetTag("reconciliation.dry_run", run.DryRun);
            activity.SetTag("reconciliation.providers", targets.Count);
        }

        ReconciliationLog.RunStarted(logger, run.Id, ReconciliationMetrics.Lower(run.Trigger), run.DryRun, targets.Count);
        var report = run.Report;
        var lastSaved = time.GetTimestamp();
        using var saving = new SemaphoreSlim(1, 1);
        async Task CheckpointAsync(CancellationToken ct)
        {
            // Called from concurrent workers: one saves, the others carry on.
            if (time.GetElapsedTime(Interlocked.Read(ref lastSaved)) < CheckpointInterval || !saving.Wait(0, CancellationToken.None))
            {
                return;
            }

            try
            {
                Interlocked.Exchange(ref lastSaved, time.GetTimestamp());
                await SaveAsync(run.Id, Snapshot(report), status: null, error: null, ct);
            }
            finally
            {
                saving.Release();
            }
        }

        string? error = null;
        await using var scope = scopeFactory.CreateAsyncScope();
        var reconciler = scope.ServiceProvider.GetRequiredService<Reconciler>();
        try
        {
            foreach (var provider in targets)
            {
                try
                {
                    await reconciler.RunAsync(run.Id, provider, run.DryRun, report, CheckpointAsync, cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Carry on with the other providers; the run fails, naming this one.
                    error = (error is null ? "" : error + "; ") + $"provider {provider.ProviderId}: {Reason(ex)}";
                    activity?.AddException(ex);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            error = "cancelled: the reconciliation service is stopping";
        }

        var status = error is null ? RunStatus.Completed : RunStatus.Failed;
        activity?.SetStatus(error is null ? ActivityStatusCode.Ok : ActivityStatusCode.Error, error);
        try
        {
            await SaveAsync(run.Id, Snapshot(report), status, error, CancellationToken.None);
        }
        finally
        {
            var duration = time.GetUtcNow() - run.StartedAt;
            metrics.RunFinished(run.Trigger, status, run.DryRun, duration);
            if (error is null)
            {
                ReconciliationLog.RunCompleted(logger, run.Id, duration.TotalSeconds);
            }
            else
            {
                ReconciliationLog.RunFailed(logger, run.Id, error);
            }

            _running.TryRemove(run.Id, out _);
        }
    }

    /// <summary>A failure reason without personal data: our own exceptions carry ids only; Graph's carry its error code.</summary>
    private static string Reason(Exception ex) => ex switch
    {
        Microsoft.Graph.Models.ODataErrors.ODataError odata => $"Graph answered {odata.ResponseStatusCode} {odata.Error?.Code}",
        IngestionException or ReconciliationConfigurationException or Graph.GraphAuthenticationException => ex.Message,
        HttpRequestException http => $"HTTP request failed ({http.HttpRequestError}{(http.StatusCode is { } code ? $", {(int)code}" : "")})",
        OperationCanceledException => "a request timed out",
        _ => ex.GetType().Name,
    };

    private static RunReport Snapshot(RunReport report)
    {
        lock (report)
        {
            return JsonSerializer.Deserialize<RunReport>(JsonSerializer.Serialize(report, JsonOptions), JsonOptions)!;
        }
    }

    private async Task SaveAsync(Guid runId, RunReport report, RunStatus? status, string? error, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReconciliationDbContext>();
        var run = await db.Runs.SingleAsync(r => r.Id == runId, cancellationToken);
        run.Report = report;
        if (status is { } final)
        {
            run.Status = final;
            run.CompletedAt = time.GetUtcNow();
            run.Error = error is { Length: > 2000 } ? error[..2000] : error;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
