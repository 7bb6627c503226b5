using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// A bulkhead for group writes: at most <see cref="ScimOptions.GroupWriteConcurrency"/> transactions at once. A group
/// write holds a pooled connection for its whole transaction (and, on a busy machine, much of that time waiting for its
/// own threads between statements); uncapped, a sync adding members to many groups took every connection and user
/// writes and reads queued behind it. Waiting here costs no connection, and the writes that do run finish sooner.
/// </summary>
internal sealed class ScimGroupWriteGate(IOptions<ScimOptions> options)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.GroupWriteConcurrency));

    public async Task<T> RunAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await write();
        }
        finally
        {
            _slots.Release();
        }
    }
}
