using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.Identity.Services;

public sealed class RoleRecomputationOptions
{
    /// <summary>Users per transaction: short enough that SCIM consumers waiting on a user's lock are barely delayed.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How often to look for queued work without a wake-up (another replica's rule change, a restart).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Wakes the <see cref="RoleRecomputationWorker"/> when this process queues a recomputation.</summary>
public sealed class RoleRecomputationSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Re-evaluates every user of a provider after its role rules changed, in keyset batches of short transactions. Each
/// batch commits only if it moves the recomputation from the cursor it started at, for the mappings version it started
/// with: a rule change meanwhile resets the row (newer version, queued) and the run starts over with the newest rules; a
/// second replica working on the same row loses the race and re-reads. The cursor is stored, so a restart resumes.
/// </summary>
internal sealed class RoleRecomputationWorker(
    IServiceScopeFactory scopeFactory, RoleRecomputationSignal signal, IOptions<RoleRecomputationOptions> options, TimeProvider time,
    ILogger<RoleRecomputationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunPendingAsync(stoppingToken);
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                IdentityLog.RecomputationLoopFailed(logger, ex);
                await Task.Delay(options.Value.PollInterval, time, stoppingToken);
            }
        }
    }

    /// <summary>Runs every queued or running recomputation to its end (or until its rules change again).</summary>
    internal async Task RunPendingAsync(CancellationToken cancellationToken)
    {
        List<Guid> providers;
        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
            providers = await db.RoleRecomputations.AsNoTracking()
                .Where(r => r.Status == RecomputationStatus.Queued || r.Status == RecomputationStatus.Running)
                .OrderBy(r => r.QueuedAt)
                .Select(r => r.ProviderId)
                .ToListAsync(cancellationToken);
        }

        foreach (var provider in providers)
        {
            while (await StepAsync(provider, cancellationToken))
            {
            }
        }
    }

    /// <summary>One short transaction: start the run, or do the next batch. False when there is nothing left to do.</summary>
    private async Task<bool> StepAsync(Guid providerId, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleAssigner>();
        var job = await db.RoleRecomputations.AsNoTracking().SingleOrDefaultAsync(r => r.ProviderId == providerId, cancellationToken);
        if (job is null || job.Status is RecomputationStatus.Completed or RecomputationStatus.Failed)
        {
            return false;
        }

        var version = job.MappingsVersion;
        try
        {
            return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var now = time.GetUtcNow();
                if (job.Status == RecomputationStatus.Queued)
                {
                    var total = await db.Users.CountAsync(u => u.ProviderId == providerId, ct);
                    var started = await db.RoleRecomputations
                        .Where(r => r.ProviderId == providerId && r.MappingsVersion == version && r.Status == RecomputationStatus.Queued)
                        .ExecuteUpdateAsync(s => s
                            .SetProperty(r => r.Status, RecomputationStatus.Running)
                            .SetProperty(r => r.StartedAt, now)
                            .SetProperty(r => r.Total, total)
                            .SetProperty(r => r.Processed, 0)
                            .SetProperty(r => r.Cursor, (Guid?)null), ct);
                    await transaction.CommitAsync(ct);
                    if (started == 1)
                    {
                        IdentityLog.RecomputationStarted(logger, providerId, version, total);
                    }

                    return true;
                }

                var cursor = job.Cursor;
                var ids = await db.Users
                    .Where(u => u.ProviderId == providerId && (cursor == null || u.Id.CompareTo(cursor.Value) > 0))
                    .OrderBy(u => u.Id)
                    .Select(u => u.Id)
                    .Take(options.Value.BatchSize)
                    .ToListAsync(ct);
                // Claim the batch first (the job row stays locked until commit): a rule change queued meanwhile waits
                // for this batch, then resets the row; a batch that finds the row moved on keeps nothing.
                var done = ids.Count < options.Value.BatchSize;
                var next = ids.Count > 0 ? ids[^1] : cursor;
                var moved = await db.RoleRecomputations
                    .Where(r => r.ProviderId == providerId && r.MappingsVersion == version && r.Status == RecomputationStatus.Running && r.Cursor == cursor)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(r => r.Cursor, next)
                        .SetProperty(r => r.Processed, r => r.Processed + ids.Count)
                        .SetProperty(r => r.Total, r => done ? Math.Max(r.Total, r.Processed + ids.Count) : r.Total)
                        .SetProperty(r => r.Status, done ? RecomputationStatus.Completed : RecomputationStatus.Running)
                        .SetProperty(r => r.CompletedAt, done ? now : null), ct);
                if (moved == 0)
                {
                    await transaction.RollbackAsync(ct);
                    return true;
                }

                await roles.LockRoleInputsAsync(providerId, ids, ct, lockRules: false);
                var users = await roles.LockUsersAsync(ids, ct);
                await roles.AssignAsync(users, ct);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                if (done)
                {
                    IdentityLog.RecomputationCompleted(logger, providerId, version);
                }

                return !done;
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            IdentityLog.RecomputationFailed(logger, ex, providerId, version);
            await db.RoleRecomputations
                .Where(r => r.ProviderId == providerId && r.MappingsVersion == version)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, RecomputationStatus.Failed)
                    .SetProperty(r => r.CompletedAt, time.GetUtcNow())
                    .SetProperty(r => r.Error, ex.GetType().Name), cancellationToken);
            return false;
        }
    }
}
