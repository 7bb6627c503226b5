using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// What keeps a group member from dangling: a user added to a group while the same user is deleted. Both sides take a
/// transaction-scoped advisory lock on the user's stripe (<see cref="IdStripes"/>): writers that add members take
/// the stripes of the ids they add in SHARE mode, in stripe order, before the group's row lock; a user deletion takes
/// its stripe exclusively before the user's row lock. So a deletion waits for every add of that user in flight (and
/// then finds the new member rows), and an add that starts later waits for the deletion (and then no longer finds the
/// user). Advisory locks live in PostgreSQL's lock table, not in the rows: share-locking the users (FOR SHARE) wrote
/// every member's user row, a full-page image in the WAL after each checkpoint, made multixacts when two groups added
/// one user at once, and made user PATCHes wait for group PATCHes.
/// </summary>
internal static class ScimMemberLocks
{
    /// <summary>The first key of every stripe lock (the second is the stripe, <see cref="IdStripes"/>): a 100k-member write holds at most <see cref="IdStripes.Count"/> locks.</summary>
    private const int LockClass = 0x5C1;

    /// <summary>
    /// Takes, in SHARE mode and stripe order, the stripes of <paramref name="ids"/> not already in <paramref name="held"/>,
    /// and returns every stripe now held.
    /// </summary>
    public static async Task<IReadOnlySet<int>> ShareAsync(this IngestionDbContext db, IEnumerable<Guid> ids, IReadOnlySet<int> held, CancellationToken cancellationToken)
    {
        var stripes = ids.Select(IdStripes.Of).Where(s => !held.Contains(s)).ToHashSet();
        if (stripes.Count == 0)
        {
            return held;
        }

        await db.Database.LockAsync(LockClass, stripes, shared: true, cancellationToken);
        stripes.UnionWith(held);
        return stripes;
    }

    /// <summary>Takes the stripe of <paramref name="id"/> exclusively: no member add of that id is in flight or can start.</summary>
    public static Task LockExclusiveAsync(this IngestionDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Database.LockAsync(LockClass, [IdStripes.Of(id)], shared: false, cancellationToken);
}
