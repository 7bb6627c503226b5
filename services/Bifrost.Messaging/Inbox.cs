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
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var inserted = await db.Database.ExecuteSqlRawAsync(
                insertSql,
                [messageId, consumer],
                cancellationToken);
            if (inserted == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?
                    .GetService<MessagingMetrics>()?.DuplicateSkipped();
                return false;
            }

            await apply(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }, context.CancellationToken);
    }

    private static string InboxTable(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(InboxMessage))
            ?? throw new InvalidOperationException($"{db.GetType().Name} has no inbox: call modelBuilder.AddInbox().");
        return db.GetService<ISqlGenerationHelper>().DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
    }
}
