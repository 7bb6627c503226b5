using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Bifrost.Messaging;

public static class OutboxDbContextExtensions
{
    /// <summary>
    /// Queues <paramref name="message"/> for publishing. It is written by the next <c>SaveChanges</c>, in the same
    /// transaction as the state change, and published by the <see cref="OutboxRelay{TDbContext}"/> once committed.
    /// </summary>
    public static void AddOutboxMessage<T>(this DbContext db, T message, TimeProvider? timeProvider = null) where T : class =>
        db.Set<OutboxMessage>().Add(OutboxMessage.Create(message, timeProvider ?? TimeProvider.System));

    /// <summary>
    /// Hands to the relay outbox rows that a statement of the caller's own (not <c>SaveChanges</c>) has just committed,
    /// as <c>SaveChanges</c> does for the rows it writes: they are published at once rather than at the relay's next poll.
    /// Call it only after the commit; a missed call delays the rows until the poll, it never loses them.
    /// </summary>
    public static void OutboxCommitted(this DbContext db, IReadOnlyList<OutboxMessage> messages)
    {
        if (messages.Count > 0)
        {
            db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?
                .OfType<OutboxCommitInterceptor>().FirstOrDefault()?.Committed(db, messages);
        }
    }
}

/// <summary>Wakes the relay when a transaction that wrote outbox rows commits, so publishing does not wait for the poll.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer signalled at the same moment: one wake-up is enough.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// The relay's fast path: outbox rows this process has just committed, handed over in memory so they are published at
/// once rather than at the next database claim. One queue per DbContext type that runs a relay. Bounded: when it is full
/// (or no relay reads it) the rows simply wait for the relay's poll, so nothing depends on this queue for delivery.
/// </summary>
public sealed class OutboxDispatchQueue
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<Type, Channel<OutboxMessage>> _channels = new();

    internal ChannelReader<OutboxMessage> Register(Type contextType) =>
        _channels.GetOrAdd(contextType, _ => Channel.CreateBounded<OutboxMessage>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true })).Reader;

    /// <returns><c>false</c> when some message was not queued (no relay for the context, or the queue is full).</returns>
    internal bool TryEnqueue(Type contextType, IReadOnlyList<OutboxMessage> messages)
    {
        if (!_channels.TryGetValue(contextType, out var channel))
        {
            return false;
        }

        var all = true;
        foreach (var message in messages)
        {
            all &= channel.Writer.TryWrite(message);
        }

        return all;
    }
}

/// <summary>
/// After a commit that included outbox rows (after <c>SaveChanges</c> when it ran its own transaction, after
/// <c>Commit</c> when the caller opened one) hands the rows to the relay's dispatch queue, or wakes its poll when they
/// cannot be queued. A rollback forgets them.
/// </summary>
internal sealed class OutboxCommitInterceptor(OutboxSignal signal, OutboxDispatchQueue queue) : DbTransactionInterceptor, ISaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, List<OutboxMessage>> _pending = [];

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Mark(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Mark(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        SignalIfCommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        SignalIfCommitted(eventData.Context);
        return result;
    }

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Flush(eventData.Context);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    private void Mark(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var added = context.ChangeTracker.Entries<OutboxMessage>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        if (added.Count > 0)
        {
            _pending.GetOrCreateValue(context).AddRange(added);
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _pending.Remove(context);
        }
    }

    private void SignalIfCommitted(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null)
        {
            Flush(context);
        }
    }

    private void Flush(DbContext? context)
    {
        if (context is not null && _pending.TryGetValue(context, out var messages))
        {
            _pending.Remove(context);
            Committed(context, messages);
        }
    }

    /// <summary>Rows of <paramref name="context"/>'s database that are committed: to the relay's queue, or a wake-up of its poll.</summary>
    internal void Committed(DbContext context, IReadOnlyList<OutboxMessage> messages)
    {
        if (!queue.TryEnqueue(context.GetType(), messages))
        {
            signal.Notify();
        }
    }
}
