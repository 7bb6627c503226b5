using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Bifrost.Benchmarks;

/// <summary>One measured operation: how many requests, how many failed (by status), and the latency distribution.</summary>
internal sealed class OperationStats(string name)
{
    private readonly ConcurrentBag<double> _latenciesMs = [];
    private readonly ConcurrentDictionary<int, int> _errors = new();
    private long _count;

    public string Name => name;
    public TimeSpan Elapsed { get; set; }

    public void Record(double milliseconds, int status, bool success)
    {
        Interlocked.Increment(ref _count);
        _latenciesMs.Add(milliseconds);
        if (!success)
        {
            _errors.AddOrUpdate(status, 1, (_, n) => n + 1);
        }
    }

    public long Count => Interlocked.Read(ref _count);

    public string Row()
    {
        var sorted = _latenciesMs.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var errors = _errors.IsEmpty ? "0" : string.Join(" ", _errors.OrderBy(e => e.Key).Select(e => $"{e.Value}×{e.Key}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Count} | {Count / Elapsed.TotalSeconds:0} | {Percentile(0.50):0.0} | {Percentile(0.99):0.0} | {Percentile(1.0):0.0} | {errors} |");
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
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (!deadline.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= total)
                {
                    return;
                }

                var start = Stopwatch.GetTimestamp();
                int status;
                bool success;
                try
                {
                    (status, success) = await operation(i, cancellationToken);
                }
                catch (HttpRequestException)
                {
                    (status, success) = (0, false);
                }

                stats.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, status, success);
            }
        });
        await Task.WhenAll(workers);
        stats.Elapsed = clock.Elapsed;
        return stats;
    }
}
