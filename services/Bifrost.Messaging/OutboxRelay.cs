using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bifrost.Messaging;

public sealed class OutboxOptions
{
    /// <summary>How often the relay looks for rows when no commit woke it (other replicas' writes, missed signals).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int BatchSize { get; set; } = 200;

    /// <summary>
    /// The dispatcher starts at most one dispatch per interval unless a full batch is waiting: a commit that comes sooner
    /// after the last dispatch began waits for the rest of the interval, with whatever else is committed meanwhile. Under
    /// load one delete, one publish per event type and one broker confirmation then serve many commits, and consumers get
    /// fuller batches (RabbitMQ's CPU per create halved at 20 ms; BENCHMARKS.md, sessions 25–26). A commit on a quiet
    /// system goes at once, so propagation does not wait for it. Zero dispatches every commit at once.
    /// </summary>
    public TimeSpan MinDispatchInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The periodic poll leaves rows younger than this to the dispatcher of the process that committed them: under load
    /// the oldest rows are those still waiting in the dispatch queue, and claiming them made the dispatcher's delete wait
    /// for the poll's publishes. A poll woken because the dispatcher could not take a commit (its queue was full, or a
    /// publish failed), the first poll and the polls after a failure claim every row.
    /// </summary>
    public TimeSpan ClaimMinAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one publish may wait for the broker before the batch is retried later.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Publishes committed outbox rows and deletes them once the broker has confirmed them. The rows one pass takes go out as
/// one <see cref="EventBatch{T}"/> per event type, each event with its row id (which consumers' inboxes key on).
/// Two paths share that work:
/// <list type="bullet">
/// <item>The dispatcher (fast path) takes the rows this process has just committed from the <see cref="OutboxDispatchQueue"/>,
/// deletes them in a transaction (<c>DELETE … RETURNING</c>, which also claims them), publishes what it deleted and
/// commits only once the broker has confirmed every one; on any failure it rolls back and the rows stay.</item>
/// <item>The poller (safety net) claims the oldest rows with <c>FOR UPDATE SKIP LOCKED</c> every poll interval (only rows
/// older than <see cref="OutboxOptions.ClaimMinAge"/>, which the dispatcher has had time to take), or at once and
/// whatever their age when the dispatcher could not take a commit: rows of other replicas that stopped, rows left by a
/// failure or a crash.</item>
/// </list>
/// Row locks keep the two from publishing the same row: a row the dispatcher holds is skipped by the poller, and a row
/// the poller holds is gone when the dispatcher's delete gets it. A broker outage leaves the rows in place and the poller
/// retries with back-off: events are delayed, never dropped.
/// </summary>
public sealed partial class OutboxRelay<TDbContext>(
    IServiceScopeFactory scopeFactory,
    IBus bus,
    OutboxSignal signal,
    OutboxDispatchQueue dispatchQueue,
    MessagingMetrics metrics,
    TimeProvider timeProvider,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay<TDbContext>> logger) : BackgroundService where TDbContext : DbContext
{
    private readonly OutboxOptions _options = options.Value;
    private readonly ChannelReader<OutboxMessage> _committed = dispatchQueue.Register(typeof(TDbContext));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(DispatchCommittedAsync(stoppingToken), PollAsync(stoppingToken));

    private async Task DispatchCommittedAsync(CancellationToken stoppingToken)
    {
        var batch = new List<OutboxMessage>(_options.BatchSize);
        try
        {
            long? lastDispatch = null;
            while (await _committed.WaitToReadAsync(stoppingToken))
            {
                var rest = lastDispatch is { } last ? _options.MinDispatchInterval - timeProvider.GetElapsedTime(last) : TimeSpan.Zero;
                if (rest > TimeSpan.Zero && _committed.Count < _options.BatchSize)
                {
                    await Task.Delay(rest, timeProvider, stoppingToken);
                }

                lastDispatch = timeProvider.GetTimestamp();

                batch.Clear();
                while (batch.Count < _options.BatchSize && _committed.TryRead(out var message))
                {
                    batch.Add(message);
                }

                try
                {
                    await DispatchAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The rows are still in the table (the delete rolled back): the poller takes them, with back-off. What
                    // is queued behind them is left to the poller too, rather than waiting out a publish timeout per batch
                    // while the broker is away.
                    var dropped = 0;
                    while (_committed.TryRead(out _))
                    {
                        dropped++;
                    }

                    LogDispatchFailed(logger, ex, typeof(TDbContext).Name, batch.Count + dropped);
                    signal.Notify();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Deletes (and so claims) the given committed rows, publishes those it got, and commits when all are confirmed.</summary>
    internal async Task<int> DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var byId = new Dictionary<Guid, OutboxMessage>(messages.Count);
        foreach (var message in messages)
        {
            byId.TryAdd(message.Id, message);
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(token => DispatchAsync(db, byId, token), cancellationToken);
    }

    private async Task<int> DispatchAsync(TDbContext db, Dictionary<Guid, OutboxMessage> byId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginAtomicTransactionAsync(cancellationToken);
        var ids = byId.Keys.ToArray();
        var deleteSql = IndexScansOnly + "DELETE FROM " + OutboxTable(db) + " WHERE id = ANY({0}) AND parked_at IS NULL RETURNING id AS \"Value\"";
        var claimed = await db.Database.SqlQueryRaw<Guid>(deleteSql, ids).ToListAsync(cancellationToken);
        if (claimed.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        var events = new List<(OutboxMessage Row, object Event)>(claimed.Count);
        foreach (var id in claimed)
        {
            var row = byId[id];
            if (row.Event is { } message)
            {
                events.Add((row, message));
            }
            else if (TryResolve(row, out var resolved, out _))
            {
                events.Add((row, resolved));
            }
            else
            {
                throw new InvalidOperationException($"Outbox message {row.Id} cannot be resolved; the poller parks it.");
            }
        }

        await Task.WhenAll(ByType(events).Select(batch => PublishAsync(batch.EventType, batch.Events, cancellationToken)));
        await transaction.CommitAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        foreach (var id in claimed)
        {
            metrics.Published(now - byId[id].OccurredAt);
        }

        return claimed.Count;
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var claimAll = true; // the first poll takes what a stop or a crash left, however young
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var published = await PublishBatchAsync(claimAll ? TimeSpan.Zero : _options.ClaimMinAge, stoppingToken);
                failures = 0;
                if (published >= _options.BatchSize)
                {
                    continue;
                }

                claimAll = await signal.WaitAsync(_options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                claimAll = true;
                var backoff = TimeSpan.FromMilliseconds(Math.Min(_options.MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 10))));
                LogRelayFailed(logger, ex, typeof(TDbContext).Name, failures, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Claims, publishes and removes one batch of rows that occurred at least <paramref name="minAge"/> ago. Returns the
    /// number of rows published.
    /// </summary>
    internal async Task<int> PublishBatchAsync(TimeSpan minAge, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        var (ageFilter, arguments) = minAge > TimeSpan.Zero
            ? (" AND occurred_at <= {1}", new object[] { _options.BatchSize, timeProvider.GetUtcNow() - minAge })
            : ("", [_options.BatchSize]);
        var claimSql = IndexScansOnly + "SELECT * FROM " + OutboxTable(db) + " WHERE parked_at IS NULL" + ageFilter + " ORDER BY sequence LIMIT {0} FOR UPDATE SKIP LOCKED";
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(token => PublishBatchAsync(db, claimSql, arguments, token), cancellationToken);
    }

    private async Task<int> PublishBatchAsync(TDbContext db, string claimSql, object[] arguments, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginAtomicTransactionAsync(cancellationToken);
        var rows = await db.Set<OutboxMessage>()
            .FromSqlRaw(claimSql, arguments)
            .ToListAsync(cancellationToken);

        if (rows.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        var events = new List<(OutboxMessage Row, object Event)>(rows.Count);
        foreach (var row in rows)
        {
            if (TryResolve(row, out var message, out _))
            {
                events.Add((row, message));
                continue;
            }

            row.Attempts++;
            row.LastError = $"Cannot resolve message type '{row.MessageType}'";
            row.ParkedAt = timeProvider.GetUtcNow();
            LogParked(logger, row.Id, row.MessageType);
        }

        // One message per event type, all published at once: the broker confirms concurrent publishes together. Order
        // across types is not kept, and needs not be: every event carries its resource's version and consumers apply only
        // newer ones.
        var publishing = ByType(events).Select(batch => (batch.Events, Publish: PublishAsync(batch.EventType, batch.Events, cancellationToken))).ToList();
        try
        {
            await Task.WhenAll(publishing.Select(p => p.Publish));
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Each failed publish is recorded on its rows below; the confirmed ones are removed all the same.
        }

        var published = new List<Guid>(events.Count);
        Exception? failure = null;
        var now = timeProvider.GetUtcNow();
        foreach (var (batch, publish) in publishing)
        {
            if (publish.IsCompletedSuccessfully)
            {
                foreach (var (row, _) in batch)
                {
                    published.Add(row.Id);
                    metrics.Published(now - row.OccurredAt);
                }

                continue;
            }

            var error = publish.Exception?.GetBaseException() ?? new OperationCanceledException("The publish was canceled.");
            foreach (var (row, _) in batch)
            {
                row.Attempts++;
                row.LastError = Truncate(error.Message, 2000);
                metrics.PublishFailed();
            }

            failure ??= error;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (published.Count > 0)
        {
            await db.Set<OutboxMessage>().Where(m => published.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (failure is not null)
        {
            throw new OutboxPublishException($"{events.Count - published.Count} of {rows.Count} messages were not published; they stay queued.", failure);
        }

        return published.Count;
    }

    /// <summary>The events grouped by type, each group in commit order (the order a consumer's batch applies them in).</summary>
    private static IEnumerable<(Type EventType, List<(OutboxMessage Row, object Event)> Events)> ByType(List<(OutboxMessage Row, object Event)> events) =>
        events.GroupBy(e => e.Event.GetType()).Select(g => (g.Key, g.OrderBy(e => e.Row.Sequence).ToList()));

    /// <summary>Publishes <paramref name="events"/> (all of <paramref name="eventType"/>) as one <see cref="EventBatch{T}"/>.</summary>
    private async Task PublishAsync(Type eventType, List<(OutboxMessage Row, object Event)> events, CancellationToken cancellationToken)
    {
        // The publish continues the trace of the first event's request (so MassTransit's spans and the consumers' receive
        // spans join it) and links the others; each consumer also opens a span per event in the event's own trace.
        using var activity = StartPublishActivity(eventType, events);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PublishTimeout);
        var (message, messageType) = EventBatch.For(eventType, events);
        var first = events[0].Row;
        IPipe<PublishContext> stamp = Pipe.Execute<PublishContext>(context => context.MessageId = first.Id);
        await bus.Publish(message, messageType, stamp, timeout.Token);
    }

    private static Activity? StartPublishActivity(Type eventType, List<(OutboxMessage Row, object Event)> events)
    {
        var first = events[0].Row;
        ActivityContext.TryParse(first.TraceParent, first.TraceState, out var parent);
        var links = MessagingTelemetry.Source.HasListeners()
            ? events.Skip(1).Select(e => ActivityContext.TryParse(e.Row.TraceParent, e.Row.TraceState, out var linked) ? new ActivityLink(linked) : default)
                .Where(l => l.Context != default).Take(MaxLinks).ToList()
            : null;
        var activity = MessagingTelemetry.Source.StartActivity($"outbox relay {eventType.Name}", ActivityKind.Internal, parent, links: links);
        if (activity is null && parent != default)
        {
            // Nobody samples our source: still set the parent so MassTransit propagates the first event's trace id.
            activity = new Activity("outbox relay").SetParentId(first.TraceParent!).Start();
        }

        if (activity?.IsAllDataRequested == true)
        {
            activity.SetTag("messaging.message.id", first.Id);
            activity.SetTag("messaging.message.type", eventType.Name);
            activity.SetTag("messaging.batch.message_count", events.Count);
        }

        return activity;
    }

    /// <summary>Links a publish span keeps to the other events' traces (OpenTelemetry's default span limit).</summary>
    private const int MaxLinks = 128;

    private static bool TryResolve(OutboxMessage row, out object message, out Type messageType)
    {
        message = null!;
        messageType = Type.GetType(row.MessageType, throwOnError: false)!;
        if (messageType is null)
        {
            return false;
        }

        try
        {
            message = JsonSerializer.Deserialize(row.Payload, messageType, OutboxMessage.SerializerOptions)!;
            return message is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Prefixes the relay's delete and claim, so they use the outbox's indexes for the rest of the transaction. The outbox
    /// is a queue: every row is deleted soon after it is inserted, autovacuum empties the table about once a minute, and
    /// in between the heap fills with dead rows (16 MB in 20 s at 1,000 creates/s). A statement prepared while the table
    /// was empty kept a sequential scan as its generic plan, so each dispatch read every dead row of the heap to delete a
    /// few dozen rows (BENCHMARKS.md, session 23). With sequential scans off, the delete finds its rows through the primary
    /// key and the poll reads the oldest rows through the sequence index, whatever the table's size was when the plan was
    /// made. The setting travels in the same command, so it costs no round trip, and the reader skips its empty result.
    /// </summary>
    private const string IndexScansOnly = "SET LOCAL enable_seqscan = off; ";

    private static string OutboxTable(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(OutboxMessage))
            ?? throw new InvalidOperationException($"{db.GetType().Name} has no outbox: call modelBuilder.AddOutbox().");
        return db.GetService<ISqlGenerationHelper>().DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    [LoggerMessage(EventId = 1001, EventName = "OutboxRelayFailed", Level = LogLevel.Warning,
        Message = "Outbox relay for {Context} failed ({Failures} in a row); retrying in {BackoffMs} ms")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception, string context, int failures, double backoffMs);

    [LoggerMessage(EventId = 1003, EventName = "OutboxDispatchFailed", Level = LogLevel.Warning,
        Message = "Outbox dispatch for {Context} failed for {Count} committed messages; the relay's poll publishes them")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, string context, int count);

    [LoggerMessage(EventId = 1002, EventName = "OutboxMessageParked", Level = LogLevel.Error,
        Message = "Outbox message {MessageId} of type {MessageType} cannot be deserialized and was parked")]
    private static partial void LogParked(ILogger logger, Guid messageId, string messageType);
}

public sealed class OutboxPublishException(string message, Exception inner) : Exception(message, inner);
