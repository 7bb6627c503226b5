using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.TeamMapping.Services;

public sealed class RecomputationOptions
{
    /// <summary>How often the worker looks for queued runs when it has nothing to do.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Users re-evaluated per transaction.</summary>
    [Range(1, AffiliationRefresher.BatchSize)]
    public int BatchSize { get; set; } = 200;
}

/// <summary>
/// Runs queued <see cref="Recomputation"/>s: one batch of a provider's users (keyset order) per short transaction, the
/// run row locked with <c>SKIP LOCKED</c> so replicas share the work and SCIM consumers, which lock single users, are
/// never held for more than one batch. Progress and the cursor are committed with each batch, so a restart resumes.
/// </summary>
public sealed class RecomputationWorker(IServiceScopeFactory scopeFactory, IOptions<RecomputationOptions> options, TimeProvider time, ILogger<RecomputationWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            do
            {
                while (await RunBatchAsync(stoppingToken))
                {
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns><c>true</c> when a batch ran (there may be more work).</returns>
    internal async Task<bool> RunBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TeamMappingDbContext>();
        var refresher = scope.ServiceProvider.GetRequiredService<AffiliationRefresher>();
        Guid? current = null;
        try
        {
            return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var run = await db.Recomputations.FromSql($"""
                    SELECT * FROM team_mapping.recomputations WHERE status IN ('Queued', 'Running')
                    ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED
                    """).SingleOrDefaultAsync(ct);
                if (run is null)
                {
                    return false;
                }

                current = run.ProviderId;
                var now = time.GetUtcNow();
                if (run.Status == RecomputationStatus.Queued)
                {
                    run.Status = RecomputationStatus.Running;
                    run.Total = await db.Users.CountAsync(u => u.ProviderId == run.ProviderId, ct);
                }

                var cursor = run.Cursor ?? Guid.Empty;
                var ids = await db.Database.SqlQuery<Guid>($"""
                    SELECT id AS "Value" FROM team_mapping.users WHERE provider_id = {run.ProviderId} AND id > {cursor} ORDER BY id LIMIT {options.Value.BatchSize}
                    """).ToListAsync(ct);
                if (ids.Count == 0)
                {
                    run.Status = RecomputationStatus.Completed;
                    run.CompletedAt = now;
                    TeamMappingLog.RecomputationCompleted(logger, run.ProviderId, run.MappingsVersion, run.Processed);
                }
                else
                {
                    await refresher.RefreshAsync(null, ids, ct);
                    run.Cursor = ids[^1];
                    run.Processed += ids.Count;
                    run.Total = Math.Max(run.Total, run.Processed);
                }

                run.UpdatedAt = now;
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                return true;
            }, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && current is { } providerId)
        {
            TeamMappingLog.RecomputationFailed(logger, providerId, ex);
            db.ChangeTracker.Clear();
            var error = ex.GetType().Name;
            var now = time.GetUtcNow();
            await db.Recomputations.Where(r => r.ProviderId == providerId && r.Status == RecomputationStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RecomputationStatus.Failed).SetProperty(r => r.Error, error).SetProperty(r => r.UpdatedAt, now), cancellationToken);
            return true;
        }
    }
}
