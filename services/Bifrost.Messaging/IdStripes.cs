using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Bifrost.Messaging;

/// <summary>
/// Transaction-scoped advisory locks on stripes of ids: each id falls in one of <see cref="Count"/> stripes, so a
/// transaction that touches thousands of ids holds at most that many locks, and they live in PostgreSQL's lock table
/// (nothing is written to the rows). Every caller takes its stripes in stripe order, so two transactions cannot
/// deadlock on them. Each use has its own lock class (the first key of the lock), apart from any other advisory lock.
/// </summary>
public static class IdStripes
{
    /// <summary>Stripes per lock class.</summary>
    public const int Count = 128;

    /// <summary>The stripe of an id: the low bits of its last byte (random in version-4 and version-7 ids).</summary>
    public static int Of(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return bytes[15] % Count;
    }

    /// <summary>
    /// Takes the <paramref name="stripes"/> of <paramref name="lockClass"/> until the transaction ends, in stripe order:
    /// in SHARE mode when <paramref name="shared"/> (shared holders do not wait for each other), else exclusively.
    /// </summary>
    public static async Task LockAsync(this DatabaseFacade database, int lockClass, IEnumerable<int> stripes, bool shared, CancellationToken cancellationToken)
    {
        var ordered = stripes.Distinct().Order().ToArray();
        if (ordered.Length == 0)
        {
            return;
        }

        await (shared
            ? database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock_shared({lockClass}, s) FROM unnest({ordered}) WITH ORDINALITY AS t(s, n) ORDER BY n", cancellationToken)
            : database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({lockClass}, s) FROM unnest({ordered}) WITH ORDINALITY AS t(s, n) ORDER BY n", cancellationToken));
    }
}
