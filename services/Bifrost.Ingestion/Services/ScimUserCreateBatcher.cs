using System.Diagnostics;
using System.Threading.Channels;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Group commit for <c>POST /Users</c>. Each create used to be a transaction of its own: a connection, a round trip,
/// a commit that waits for its WAL flush, and EF's bookkeeping around all three. Here the creates that arrive while
/// earlier ones are being written wait in a queue and are written together: every user row and its outbox row, in one
/// <c>SaveChanges</c> (one round trip, one transaction, one flush). A lone create is written at once, without waiting
/// for company, so nothing is added to its latency.
/// <para>Nothing changes for the client: the request answers once its row is committed, a userName already taken
/// (case-insensitively, per provider) is still <c>409 uniqueness</c>. Such a conflict fails the whole transaction, so
/// the batch is then written one create at a time, which tells the taken names from the others; the same happens to a
/// batch that holds the same userName twice. Any other failure fails every create of the batch (after EF's retries of
/// transient errors), and nothing of it is stored.</para>
/// </summary>
internal sealed partial class ScimUserCreateBatcher(
    IServiceScopeFactory scopeFactory,
    IOptions<ScimOptions> options,
    ILogger<ScimUserCreateBatcher> logger) : BackgroundService
{
    private static readonly ActivitySource Source = new(IngestionMetrics.Name);

    private readonly Channel<PendingCreate> _queue = Channel.CreateBounded<PendingCreate>(
        new BoundedChannelOptions(Math.Max(1, options.Value.CreateBatchSize) * 16) { FullMode = BoundedChannelFullMode.Wait });

    private readonly int _batchSize = Math.Max(1, options.Value.CreateBatchSize);
    private readonly int _writers = Math.Max(1, options.Value.CreateBatchWriters);

    /// <summary>
    /// Queues <paramref name="user"/> with its event and waits until both are committed. Returns false when the
    /// provider already has a user with that userName (nothing was written).
    /// </summary>
    public async Task<bool> CreateAsync(ScimUser user, OutboxMessage message, CancellationToken cancellationToken)
    {
        var pending = new PendingCreate(user, message, Activity.Current?.Context ?? default);
        await _queue.Writer.WriteAsync(pending, cancellationToken);

        // Once queued, the create is written even if the caller goes away (as a request whose client disconnects
        // during SaveChanges would be): only the wait is cancelled.
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The writers ignore <paramref name="stoppingToken"/>: a create that was queued is written, so they stop when
    /// <see cref="StopAsync"/> has closed the queue and they have emptied it.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _writers).Select(_ => Task.Run(WriteQueuedAsync, CancellationToken.None)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The web server has stopped taking requests by now (it stops first): write what is still queued, then stop.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteQueuedAsync()
    {
        var batch = new List<PendingCreate>(_batchSize);
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < _batchSize && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch);
            }
        }
    }

    private async Task WriteAsync(List<PendingCreate> batch)
    {
        using var activity = StartActivity(batch);
        try
        {
            if (batch.Count == 1 || HasRepeatedUserName(batch) || !await TryWriteTogetherAsync(batch))
            {
                await WriteOneByOneAsync(batch);
            }
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    /// <returns>false when a userName was taken: nothing was written, and the batch is to be written one by one.</returns>
    private async Task<bool> TryWriteTogetherAsync(List<PendingCreate> batch)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        foreach (var pending in batch)
        {
            db.Users.Add(pending.User);
            db.Set<OutboxMessage>().Add(pending.Message);
        }

        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
        {
            LogBatchConflict(logger, batch.Count);
            return false;
        }

        foreach (var pending in batch)
        {
            pending.Completion.TrySetResult(true);
        }

        return true;
    }

    private async Task WriteOneByOneAsync(List<PendingCreate> batch)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        foreach (var pending in batch)
        {
            db.ChangeTracker.Clear();
            db.Users.Add(pending.User);
            db.Set<OutboxMessage>().Add(pending.Message);
            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
                pending.Completion.TrySetResult(true);
            }
            catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
            {
                pending.Completion.TrySetResult(false);
            }
            catch (Exception ex)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    private static bool HasRepeatedUserName(List<PendingCreate> batch)
    {
        var seen = new HashSet<(Guid, string)>(batch.Count);
        foreach (var pending in batch)
        {
            if (!seen.Add((pending.User.ProviderId, pending.User.UserNameKey)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One span for the write, in the trace of a sampled request of the batch (so its database spans are seen where
    /// someone looks), linked to the other requests.
    /// </summary>
    private static Activity? StartActivity(List<PendingCreate> batch)
    {
        var parent = batch.FirstOrDefault(p => p.Trace.TraceFlags.HasFlag(ActivityTraceFlags.Recorded))?.Trace ?? batch[0].Trace;
        var links = batch.Count > 1
            ? batch.Where(p => p.Trace != parent && p.Trace != default).Select(p => new ActivityLink(p.Trace)).ToList()
            : null;
        var activity = Source.StartActivity("scim user create batch", ActivityKind.Internal, parent, links: links);
        activity?.SetTag("bifrost.batch.size", batch.Count);
        return activity;
    }

    [LoggerMessage(EventId = 2040, EventName = "ScimUserCreateBatchConflict", Level = LogLevel.Debug,
        Message = "A batch of {Count} user creates met a taken userName; writing them one by one")]
    private static partial void LogBatchConflict(ILogger logger, int count);

    private sealed record PendingCreate(ScimUser User, OutboxMessage Message, ActivityContext Trace)
    {
        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
