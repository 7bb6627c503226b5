using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Bifrost.Benchmarks;

/// <summary>One measured operation: how many requests, how many failed (by status), and the latency distribution.</summary>
internal sealed class OperationStats(string name)
{
    private readonly ConcurrentBag<double> _latenciesMs = [];
    private readonly ConcurrentBag<(double StartedS, double Ms, int Status)> _samples = [];
    private readonly ConcurrentDictionary<int, int> _errors = new();
    private long _count;

    public string Name => name;
    public TimeSpan Elapsed { get; set; }

    /// <summary>When the counted part of the phase began (UTC): each sample's start is measured from it.</summary>
    public DateTime BeganUtc { get; set; }

    /// <summary>Records one answer, <paramref name="startedAt"/> after the phase began.</summary>
    public void Record(double milliseconds, int status, bool success, TimeSpan startedAt)
    {
        Interlocked.Increment(ref _count);
        _latenciesMs.Add(milliseconds);
        _samples.Add((startedAt.TotalSeconds, milliseconds, status));
        if (!success)
        {
            _errors.AddOrUpdate(status, 1, (_, n) => n + 1);
        }
    }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Every request sent, an open loop's uncounted warm-up included: what the CPU of the phase was spent on.</summary>
    public long Sent { get; set; }

    public string Row()
    {
        var sorted = _latenciesMs.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var errors = _errors.IsEmpty ? "0" : string.Join(" ", _errors.OrderBy(e => e.Key).Select(e => $"{e.Value}×{e.Key}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Count} | {Count / Elapsed.TotalSeconds:0} | {Percentile(0.50):0.0} | {Percentile(0.99):0.0} | {Percentile(1.0):0.0} | {errors} |");
    }

    /// <summary>
    /// Where the tail is: how many seconds of the phase (by start time) had a p99 over <paramref name="limitMs"/>, and
    /// the worst of them. A tail spread over every second is queueing; one in a few seconds is a stall (a start-up, a
    /// checkpoint, a pause).
    /// </summary>
    public string Tail(double limitMs = 50)
    {
        var seconds = _samples.GroupBy(s => (int)s.StartedS)
            .Select(g => (Second: g.Key, P99: g.Select(s => s.Ms).Order().ElementAt(Math.Max(0, (int)Math.Ceiling(0.99 * g.Count()) - 1))))
            .OrderBy(s => s.Second).ToList();
        var over = seconds.Where(s => s.P99 > limitMs).OrderByDescending(s => s.P99).ToList();
        var worst = string.Join(", ", over.Take(5).Select(s => string.Create(CultureInfo.InvariantCulture, $"second {s.Second}: {s.P99:0} ms")));
        return string.Create(CultureInfo.InvariantCulture,
            $"{over.Count} of {seconds.Count} seconds had a p99 over {limitMs:0} ms{(over.Count > 0 ? $" (worst: {worst})" : "")}");
    }

    /// <summary>
    /// Each request as a CSV row (operation, UTC start, milliseconds, status), in start order: to line the tail up with
    /// what the machine did at that moment (a GC, a checkpoint, an autovacuum).
    /// </summary>
    public void WriteSamples(TextWriter writer)
    {
        foreach (var (startedS, ms, status) in _samples.OrderBy(s => s.StartedS))
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name},{BeganUtc.AddSeconds(startedS):yyyy-MM-ddTHH:mm:ss.fffZ},{ms:0.0},{status}"));
        }
    }

    public const string Header = "| operation | requests | req/s | p50 ms | p99 ms | max ms | errors |\n|---|---|---|---|---|---|---|";
}

internal static class LoadRunner
{
    /// <summary>
    /// Runs <paramref name="operation"/> from <paramref name="concurrency"/> workers until <paramref name="total"/>
    /// operations are done or <paramref name="duration"/> has passed. Each call returns (status, success).
    /// </summary>
    public static async Task<OperationStats> RunAsync(string name, int concurrency, long total, TimeSpan duration,
        Func<long, CancellationToken, Task<(int Status, bool Success)>> operation, CancellationToken cancellationToken)
    {
        var stats = new OperationStats(name);
        var next = -1L;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(duration);
        var clock = Stopwatch.StartNew();
        stats.BeganUtc = DateTime.UtcNow;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (!deadline.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= total)
                {
                    return;
                }

                var startedAt = clock.Elapsed;
                var (status, success) = await CallAsync(operation, i, cancellationToken);
                stats.Record((clock.Elapsed - startedAt).TotalMilliseconds, status, success, startedAt);
            }
        });
        await Task.WhenAll(workers);
        stats.Elapsed = clock.Elapsed;
        stats.Sent = stats.Count;
        return stats;
    }

    /// <summary>
    /// Open loop: starts <paramref name="rate"/> operations per second on a fixed schedule, whether earlier ones have
    /// answered or not (as independent provisioning jobs arrive), until <paramref name="total"/> operations (the warm-up's included) have started
    /// or <paramref name="duration"/> has passed. Each latency runs from the operation's scheduled start, so time spent
    /// queued behind a slow system counts (no coordinated omission). At most <paramref name="maxInFlight"/> run at once:
    /// past that, the schedule falls behind and the wait shows in the latencies. The first <paramref name="warmUp"/> (a second
    /// by default) is run but not counted: the client opens the connections the rate needs then, which a provisioning job
    /// that has been running does not do. A longer <paramref name="warmUp"/> also lets the services' JIT finish tiering up the code this
    /// load runs (a minute or so after a start). <paramref name="warmedUp"/> is called once, as the first counted
    /// operation starts; the operations counted in <see cref="OperationStats.Sent"/> are those scheduled after it.
    /// </summary>
    public static async Task<OperationStats> RunAtRateAsync(string name, int rate, int maxInFlight, long total, TimeSpan duration,
        TimeSpan warmUp, Action? warmedUp, Func<long, CancellationToken, Task<(int Status, bool Success)>> operation,
        CancellationToken cancellationToken)
    {
        var stats = new OperationStats(name);
        using var slots = new SemaphoreSlim(maxInFlight);
        var running = new List<Task>();
        var clock = Stopwatch.StartNew();
        stats.BeganUtc = DateTime.UtcNow + warmUp;
        var due = Math.Min(total, (long)((duration + warmUp).TotalSeconds * rate)); // the warm-up counts in total
        var counted = 0L;
        Task? warmedUpTask = null;
        for (var i = 0L; i < due && !cancellationToken.IsCancellationRequested;)
        {
            // Start everything scheduled up to now, then sleep until the next one is due (a millisecond at least).
            var scheduledNow = Math.Min(due, (long)(clock.Elapsed.TotalSeconds * rate) + 1);
            for (; i < scheduledNow; i++)
            {
                var scheduled = TimeSpan.FromSeconds((double)i / rate);
                if (scheduled >= warmUp && counted++ == 0 && warmedUp is not null)
                {
                    // Off the schedule: the callback reads /proc, which would delay the first counted operations.
                    warmedUpTask = Task.Run(warmedUp, CancellationToken.None);
                }

                await slots.WaitAsync(cancellationToken);
                running.Add(RunOneAsync(i, scheduled));
            }

            var untilNext = TimeSpan.FromSeconds((double)i / rate) - clock.Elapsed;
            await Task.Delay(untilNext > TimeSpan.FromMilliseconds(1) ? untilNext : TimeSpan.FromMilliseconds(1), cancellationToken);
        }

        await Task.WhenAll(running);
        if (warmedUpTask is not null)
        {
            await warmedUpTask;
        }

        stats.Elapsed = clock.Elapsed - warmUp;
        stats.Sent = counted;
        return stats;

        async Task RunOneAsync(long i, TimeSpan scheduled)
        {
            await Task.Yield();
            try
            {
                var (status, success) = await CallAsync(operation, i, cancellationToken);
                if (scheduled >= warmUp)
                {
                    stats.Record((clock.Elapsed - scheduled).TotalMilliseconds, status, success, scheduled - warmUp);
                }
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>One call: its (status, success), or (0, failed) when no answer came (connection refused or reset).</summary>
    private static async Task<(int Status, bool Success)> CallAsync(
        Func<long, CancellationToken, Task<(int Status, bool Success)>> operation, long i, CancellationToken cancellationToken)
    {
        try
        {
            return await operation(i, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return (0, false);
        }
    }
}
