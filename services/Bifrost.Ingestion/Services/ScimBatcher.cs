using System.Diagnostics;
using System.Threading.Channels;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Requests carried out in batches. Each SCIM write used to be a transaction of its own (a connection, a few round trips,
/// a commit that waits for its WAL flush, and EF's bookkeeping around all of them), and each lookup a query of its own
/// (a round trip, and a wake-up of a database backend on every side). Here the requests that arrive while earlier ones
/// are being carried out wait in a queue and are then carried out together: one transaction and one flush for a batch of
/// writes (group commit), one query for a batch of lookups. A lone request is carried out at once, without waiting for
/// company, so nothing is added to its latency; under load, up to the batch size share a round trip, on as many
/// workers (each with its own connection) as the subclass asks for.
/// <para>Nothing changes for the client: the request answers once its batch is done, with its own outcome (an error of
/// one write, such as 409 or 412, is that write's alone). Once queued, a request is carried out even if its caller goes
/// away, as a request whose client disconnects during its commit would be: only the wait is cancelled.</para>
/// </summary>
internal abstract class ScimBatcher<TRequest, TResult> : BackgroundService where TRequest : notnull
{
    private readonly Channel<Pending> _queue;
    private readonly int _batchSize;
    private readonly int _workers;

    protected ScimBatcher(int batchSize, int workers)
    {
        _batchSize = Math.Max(1, batchSize);
        _workers = Math.Max(1, workers);
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_batchSize * 16) { FullMode = BoundedChannelFullMode.Wait });
    }

    protected static ActivitySource Source { get; } = new(IngestionMetrics.Name);

    /// <summary>Name of the span of each batch.</summary>
    protected abstract string ActivityName { get; }

    /// <summary>Queues <paramref name="request"/> and waits until the batch that carried it is done (committed, for a write).</summary>
    protected async Task<TResult> EnqueueAsync(TRequest request, CancellationToken cancellationToken)
    {
        var pending = new Pending(request, Activity.Current?.Context ?? default);
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Carries out a batch and completes every request of it (a request left open is failed).</summary>
    protected abstract Task RunBatchAsync(IReadOnlyList<Pending> batch);

    /// <summary>
    /// The workers ignore <paramref name="stoppingToken"/>: a queued request is carried out, so they stop once
    /// <see cref="StopAsync"/> has closed the queue and they have emptied it.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _workers).Select(_ => Task.Run(RunQueuedAsync, CancellationToken.None)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The web server has stopped taking requests by now (it stops first): carry out what is still queued, then stop.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task RunQueuedAsync()
    {
        var batch = new List<Pending>(_batchSize);
        while (true)
        {
            // ReadAsync, not WaitToReadAsync: a request wakes one idle worker, where WaitToReadAsync wakes them all and
            // every one but the first finds the queue empty (a thread woken for nothing, per request, at low rates).
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
                await RunBatchAsync(batch);
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
                    pending.Completion.TrySetException(new InvalidOperationException("The batch ended without an outcome for this request."));
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

    protected sealed class Pending(TRequest request, ActivityContext trace)
    {
        public TRequest Request { get; } = request;

        public ActivityContext Trace { get; } = trace;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
