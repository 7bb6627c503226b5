using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Group commit. Each SCIM write used to be a transaction of its own: a connection, a few round trips, a commit that
/// waits for its WAL flush, and EF's bookkeeping around all of them. Here the writes that arrive while earlier ones are
/// being written wait in a queue and are then written together, in one transaction: one flush for the lot. A lone write
/// is written at once, without waiting for company, so nothing is added to its latency; under load, up to
/// <see cref="ScimOptions.WriteBatchSize"/> writes share a transaction, <see cref="ScimOptions.WriteBatchWriters"/>
/// transactions at a time.
/// <para>Nothing changes for the client: the request answers once its change is committed, with its own outcome (an
/// error of one write, such as 409 or 412, is that write's alone). Once queued, a write is carried out even if its
/// caller goes away, as a request whose client disconnects during its commit would be: only the wait is cancelled.</para>
/// </summary>
internal abstract class ScimWriteBatcher<TWrite, TResult> : BackgroundService where TWrite : notnull
{
    private readonly Channel<Pending> _queue;
    private readonly int _batchSize;
    private readonly int _writers;

    protected ScimWriteBatcher(IOptions<ScimOptions> options)
    {
        _batchSize = Math.Max(1, options.Value.WriteBatchSize);
        _writers = Math.Max(1, options.Value.WriteBatchWriters);
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_batchSize * 16) { FullMode = BoundedChannelFullMode.Wait });
    }

    protected static ActivitySource Source { get; } = new(IngestionMetrics.Name);

    /// <summary>Name of the span of each batch.</summary>
    protected abstract string ActivityName { get; }

    /// <summary>Queues <paramref name="write"/> and waits until the transaction that carried it has committed.</summary>
    protected async Task<TResult> WriteAsync(TWrite write, CancellationToken cancellationToken)
    {
        var pending = new Pending(write, Activity.Current?.Context ?? default);
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes a batch and completes every write of it (a write left open is failed).</summary>
    protected abstract Task WriteBatchAsync(IReadOnlyList<Pending> batch);

    /// <summary>
    /// The writers ignore <paramref name="stoppingToken"/>: a queued write is carried out, so they stop once
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
        var batch = new List<Pending>(_batchSize);
        while (true)
        {
            // ReadAsync, not WaitToReadAsync: a write wakes one idle writer, where WaitToReadAsync wakes them all and
            // every one but the first finds the queue empty (a thread woken for nothing, per write, at low rates).
            Pending first;
            try
            {
                first = await _queue.Reader.ReadAsync(CancellationToken.None);
            }
            catch (ChannelClosedException)
            {
                return;
            }

            batch.Clear();
            batch.Add(first);
            while (batch.Count < _batchSize && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            using var activity = StartActivity(batch);
            try
            {
                await WriteBatchAsync(batch);
            }
            catch (Exception ex)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(ex);
                }
            }

            foreach (var pending in batch)
            {
                if (!pending.Completion.Task.IsCompleted)
                {
                    pending.Completion.TrySetException(new InvalidOperationException("The write batch ended without an outcome for this write."));
                }
            }
        }
    }

    /// <summary>
    /// One span per batch, in the trace of a sampled request of the batch (so its database spans are seen where someone
    /// looks), linked to the other requests.
    /// </summary>
    private Activity? StartActivity(List<Pending> batch)
    {
        var parent = batch.Find(p => p.Trace.TraceFlags.HasFlag(ActivityTraceFlags.Recorded))?.Trace ?? batch[0].Trace;
        var links = batch.Count > 1
            ? batch.Where(p => p.Trace != parent && p.Trace != default).Select(p => new ActivityLink(p.Trace)).ToList()
            : null;
        var activity = Source.StartActivity(ActivityName, ActivityKind.Internal, parent, links: links);
        activity?.SetTag("bifrost.batch.size", batch.Count);
        return activity;
    }

    protected sealed class Pending(TWrite write, ActivityContext trace)
    {
        public TWrite Write { get; } = write;

        public ActivityContext Trace { get; } = trace;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
