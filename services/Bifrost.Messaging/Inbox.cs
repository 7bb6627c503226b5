using System.Diagnostics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Bifrost.Messaging;

public static class InboxDbContextExtensions
{
    /// <summary>
    /// Applies the event <paramref name="messageId"/> at most once per consumer. In one transaction: records (message id,
    /// consumer) in <c>inbox_messages</c>, runs <paramref name="apply"/>, saves the context and commits. A redelivered
    /// event finds its row and is acknowledged without effect; a concurrent duplicate blocks on the key, then does the same.
    /// </summary>
    /// <returns><c>false</c> when the event had already been applied.</returns>
    public static Task<bool> ApplyOnceAsync<TDbContext>(this TDbContext db, Guid messageId, string consumer, Func<CancellationToken, Task> apply, CancellationToken cancellationToken)
        where TDbContext : DbContext
    {
        var insertSql = "INSERT INTO " + InboxTable(db) + " (message_id, consumer, processed_at) VALUES ({0}, {1}, now()) ON CONFLICT DO NOTHING";
        var strategy = db.Database.CreateExecutionStrategy();

        return strategy.ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginAtomicTransactionAsync(token);
            var inserted = await db.Database.ExecuteSqlRawAsync(insertSql, [messageId, consumer], token);
            if (inserted == 0)
            {
                await transaction.RollbackAsync(token);
                Metrics(db)?.DuplicateSkipped();
                return false;
            }

            await apply(token);
            await db.SaveChangesAsync(token);
            await transaction.CommitAsync(token);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// For consumers that apply one event per transaction: applies each event of the batch in order, each at most once
    /// (see <see cref="ApplyOnceAsync{TDbContext}(TDbContext, Guid, string, Func{CancellationToken, Task}, CancellationToken)"/>).
    /// A failure stops there; the retry or redelivery of the batch skips the events already applied.
    /// </summary>
    public static async Task ApplyEachOnceAsync<TDbContext, TMessage>(
        this TDbContext db, ConsumeContext<EventBatch<TMessage>> context, string consumer, Func<TMessage, CancellationToken, Task> apply)
        where TDbContext : DbContext
        where TMessage : class
    {
        foreach (var e in context.Message.Events)
        {
            using var activity = MessagingTelemetry.StartApply<TMessage>(e, consumer);
            await db.ApplyOnceAsync(e.MessageId, consumer, cancellationToken => apply(e.Message, cancellationToken), context.CancellationToken);
        }
    }

    /// <summary>
    /// For consumers that apply many events per transaction: the events of every <see cref="EventBatch{T}"/> MassTransit
    /// gathered, each once. Per transaction (at most <see cref="MaxEventsPerTransaction"/> events): records every event id
    /// for <paramref name="consumer"/> (one statement), runs <paramref name="apply"/> on the events not applied before
    /// (each id once), saves and commits. A failure rolls that transaction back and fails the batch; MassTransit then
    /// retries or faults every message of it, and what was committed before is skipped, so nothing is lost or applied twice.
    /// </summary>
    /// <returns>How many events were new.</returns>
    public static async Task<int> ApplyOnceAsync<TDbContext, TMessage>(
        this TDbContext db, ConsumeContext<Batch<EventBatch<TMessage>>> context, string consumer, Func<IReadOnlyList<BatchedEvent<TMessage>>, CancellationToken, Task> apply)
        where TDbContext : DbContext
        where TMessage : class
    {
        var events = context.Message.SelectMany(m => m.Message.Events).DistinctBy(e => e.MessageId).ToList();
        var applied = 0;
        foreach (var chunk in events.Chunk(MaxEventsPerTransaction))
        {
            // One span per event in its own trace, covering the transaction that applies it. None becomes current: the
            // transaction's own spans stay under the batch's consume span.
            var current = Activity.Current;
            var activities = chunk.Select(e => MessagingTelemetry.StartApply<TMessage>(e, consumer)).OfType<Activity>().ToList();
            Activity.Current = current;
            try
            {
                applied += await ApplyOnceAsync(db, chunk, consumer, apply, context.CancellationToken);
            }
            finally
            {
                activities.ForEach(a => a.Dispose());
            }
        }

        return applied;
    }

    /// <summary>The most events one consumer transaction applies (and locks rows for).</summary>
    public const int MaxEventsPerTransaction = 500;

    private static Task<int> ApplyOnceAsync<TDbContext, TMessage>(
        TDbContext db, BatchedEvent<TMessage>[] events, string consumer, Func<IReadOnlyList<BatchedEvent<TMessage>>, CancellationToken, Task> apply, CancellationToken cancellationToken)
        where TDbContext : DbContext
        where TMessage : class
    {
        var ids = events.Select(e => e.MessageId).ToArray();
        var insertSql = "INSERT INTO " + InboxTable(db) + " (message_id, consumer, processed_at) SELECT id, {1}, now() FROM unnest({0}) AS id ON CONFLICT DO NOTHING RETURNING message_id AS \"Value\"";
        var strategy = db.Database.CreateExecutionStrategy();

        return strategy.ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginAtomicTransactionAsync(token);
            var fresh = (await db.Database.SqlQueryRaw<Guid>(insertSql, ids, consumer).ToListAsync(token)).ToHashSet();
            if (fresh.Count < ids.Length)
            {
                Metrics(db)?.DuplicateSkipped(ids.Length - fresh.Count);
            }

            if (fresh.Count > 0)
            {
                await apply([.. events.Where(e => fresh.Contains(e.MessageId))], token);
                await db.SaveChangesAsync(token);
            }

            await transaction.CommitAsync(token);
            return fresh.Count;
        }, cancellationToken);
    }

    private static MessagingMetrics? Metrics(DbContext db) =>
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService<MessagingMetrics>();

    private static string InboxTable(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(InboxMessage))
            ?? throw new InvalidOperationException($"{db.GetType().Name} has no inbox: call modelBuilder.AddInbox().");
        return db.GetService<ISqlGenerationHelper>().DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
    }
}
