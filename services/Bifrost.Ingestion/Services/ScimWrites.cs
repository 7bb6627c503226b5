using System.Net;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bifrost.Ingestion.Services;

/// <summary>Shared pieces of the write paths: one transaction per operation, error mapping, ids and clocks.</summary>
internal static class ScimWrites
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction under the context's execution strategy (which retries transient
    /// failures such as deadlocks by running the whole unit again, so <paramref name="work"/> starts from a clean
    /// change tracker and re-reads what it needs).
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(this IngestionDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await strategy.ExecuteAsync(async token =>
                {
                    db.ChangeTracker.Clear();
                    await using var transaction = await db.Database.BeginAtomicTransactionAsync(token);
                    var result = await work(token);
                    await transaction.CommitAsync(token);
                    return result;
                }, cancellationToken);
            }
            catch (Exception ex) when (attempt < MaxDeadlockAttempts && IsDeadlock(ex))
            {
                // PostgreSQL chose this transaction as a deadlock victim (rare: e.g. a member added while the user is
                // deleted) and rolled it back; run the unit again.
                db.ChangeTracker.Clear();
            }
        }
    }

    private const int MaxDeadlockAttempts = 3;

    private static bool IsDeadlock(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A unique index refused the write: from <c>SaveChanges</c> (wrapped) or from a statement of our own.</summary>
    public static bool IsUniqueViolation(Exception exception) =>
        (exception as DbUpdateException)?.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>An id this server issued, or null (then the resource does not exist).</summary>
    public static Guid? ParseId(string id) => Guid.TryParseExact(id, "D", out var value) && value.ToString() == id ? value : null;

    public static ScimException NotFound(string resourceType, string id) =>
        new(HttpStatusCode.NotFound, $"{resourceType} {id} not found.");

    /// <summary>Now, truncated to the microseconds PostgreSQL stores, so answers and later reads agree.</summary>
    public static DateTimeOffset Now(this TimeProvider time) => ScimResourceJson.Truncate(time.GetUtcNow());
}
