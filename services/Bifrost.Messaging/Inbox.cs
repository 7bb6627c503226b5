using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Bifrost.Messaging;

public static class InboxDbContextExtensions
{
    /// <summary>
    /// Applies a message at most once per consumer. In one transaction: records (message id, consumer) in
    /// <c>inbox_messages</c>, runs <paramref name="apply"/>, saves the context and commits. A redelivered message finds
    /// its row and is acknowledged without effect; a concurrent duplicate blocks on the key, then does the same.
    /// </summary>
    /// <returns><c>false</c> when the message had already been applied.</returns>
    public static Task<bool> ApplyOnceAsync<TDbContext>(this TDbContext db, ConsumeContext context, string consumer, Func<CancellationToken, Task> apply)
        where TDbContext : DbContext
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("The message has no MessageId; the inbox cannot deduplicate it.");
        var insertSql = "INSERT INTO " + InboxTable(db) + " (message_id, consumer, processed_at) VALUES ({0}, {1}, now()) ON CONFLICT DO NOTHING";
        var strategy = db.Database.CreateExecutionStrategy();

        return strategy.ExecuteAsync(async cancellationToken =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginAtomicTransactionAsync(cancellationToken);
            var inserted = await db.Database.ExecuteSqlRawAsync(
                insertSql,
                [messageId, consumer],
                cancellationToken);
            if (inserted == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                Metrics(db)?.DuplicateSkipped();
                return false;
            }

            await apply(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }, context.CancellationToken);
    }

    /// <summary>
    /// The same for a MassTransit batch: in one transaction, records every message id of the batch for
    /// <paramref name="consumer"/> (one statement), runs <paramref name="apply"/> on the messages not applied before (each
    /// id once), saves and commits. A failure rolls the whole batch back; MassTransit then retries or faults every
    /// message of it, so none is lost.
    /// </summary>
    /// <returns>How many messages of the batch were new.</returns>
    public static Task<int> ApplyOnceAsync<TDbContext, TMessage>(
        this TDbContext db, ConsumeContext<Batch<TMessage>> context, string consumer, Func<IReadOnlyList<ConsumeContext<TMessage>>, CancellationToken, Task> apply)
        where TDbContext : DbContext
        where TMessage : class
    {
        var messages = context.Message
            .Select(m => (Id: m.MessageId ?? throw new InvalidOperationException("A message has no MessageId; the inbox cannot deduplicate it."), Context: m))
            .DistinctBy(m => m.Id)
            .ToList();
        var ids = messages.Select(m => m.Id).ToArray();
        var insertSql = "INSERT INTO " + InboxTable(db) + " (message_id, consumer, processed_at) SELECT id, {1}, now() FROM unnest({0}) AS id ON CONFLICT DO NOTHING RETURNING message_id AS \"Value\"";
        var strategy = db.Database.CreateExecutionStrategy();

        return strategy.ExecuteAsync(async cancellationToken =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginAtomicTransactionAsync(cancellationToken);
            var fresh = (await db.Database.SqlQueryRaw<Guid>(insertSql, ids, consumer).ToListAsync(cancellationToken)).ToHashSet();
            if (fresh.Count < ids.Length)
            {
                Metrics(db)?.DuplicateSkipped(ids.Length - fresh.Count);
            }

            if (fresh.Count > 0)
            {
                await apply([.. messages.Where(m => fresh.Contains(m.Id)).Select(m => m.Context)], cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return fresh.Count;
        }, context.CancellationToken);
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
