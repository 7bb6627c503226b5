using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bifrost.Messaging;

/// <summary><c>Bifrost:Inbox</c>: how long a consumer remembers the events it applied.</summary>
public sealed class InboxOptions
{
    /// <summary>
    /// Rows older than this are deleted. The inbox only has to outlive a redelivery: the broker's (an unacknowledged
    /// message after a reconnect, within seconds), the retries' (seconds) and an operator's replay of an <c>_error</c>
    /// queue (days). Beyond it an event replayed is still harmless: every consumer applies an event only when its resource
    /// version is newer than the stored one.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows per delete statement, so a first purge of a large backlog never holds one long transaction.</summary>
    public int PurgeBatchSize { get; set; } = 10_000;
}

/// <summary>
/// Deletes the inbox rows of <typeparamref name="TDbContext"/> older than <see cref="InboxOptions.Retention"/>, at start
/// and then every <see cref="InboxOptions.PurgeInterval"/>. Without it the inbox grows by one row per event and consumer,
/// for ever: its table, its key index and every autovacuum and analyse of it with it.
/// </summary>
public sealed partial class InboxPurger<TDbContext>(
    IServiceScopeFactory scopeFactory,
    TimeProvider time,
    IOptions<InboxOptions> options,
    ILogger<InboxPurger<TDbContext>> logger) : PeriodicPurger(time)
    where TDbContext : DbContext
{
    protected override TimeSpan Interval => options.Value.PurgeInterval;

    protected override void OnFailed(Exception exception) => LogPurgeFailed(logger, exception, typeof(TDbContext).Name);

    /// <summary>Deletes every row older than the retention, a batch per statement (and transaction). Returns how many.</summary>
    public override async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = Time.GetUtcNow() - options.Value.Retention;
        var batchSize = Math.Max(1, options.Value.PurgeBatchSize);
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        var purged = 0;
        int deleted;
        do
        {
            // The oldest rows first, through the processed_at index; each statement commits on its own.
            deleted = await db.Set<InboxMessage>()
                .Where(m => m.ProcessedAt < cutoff)
                .OrderBy(m => m.ProcessedAt)
                .Take(batchSize)
                .ExecuteDeleteAsync(cancellationToken);
            purged += deleted;
        }
        while (deleted == batchSize);

        if (purged > 0)
        {
            LogPurged(logger, purged, typeof(TDbContext).Name, options.Value.Retention.TotalDays);
        }

        return purged;
    }

    [LoggerMessage(EventId = 1010, EventName = "InboxPurged", Level = LogLevel.Information,
        Message = "Deleted {Count} inbox rows of {Context} older than {RetentionDays} days")]
    private static partial void LogPurged(ILogger logger, int count, string context, double retentionDays);

    [LoggerMessage(EventId = 1011, EventName = "InboxPurgeFailed", Level = LogLevel.Warning,
        Message = "Purging the inbox of {Context} failed; the next interval tries again")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception, string context);
}
