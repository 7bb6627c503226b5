using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Bifrost.EntraSimulator;

/// <summary>Per request kind: count, latencies (for p50/p99) and final statuses. Thread-safe.</summary>
public sealed class SimulationStats
{
    private readonly ConcurrentDictionary<string, KindStats> _kinds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, int> _errors = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _requests;
    private long _throttled;

    public long Requests => Interlocked.Read(ref _requests);

    public long Throttled => Interlocked.Read(ref _throttled);

    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyDictionary<int, int> ErrorsByStatus => _errors;

    public long Errors => _errors.Values.Sum();

    /// <summary>One request sent and answered (or failed), whatever its status.</summary>
    public void Record(string kind, TimeSpan latency)
    {
        Interlocked.Increment(ref _requests);
        _kinds.GetOrAdd(kind, _ => new KindStats()).Add(latency.TotalMilliseconds);
    }

    /// <summary>A request whose final answer was not 2xx (0 = no answer at all).</summary>
    public void RecordError(int status) => _errors.AddOrUpdate(status, 1, (_, n) => n + 1);

    /// <summary>A 429 that was waited out and retried (the retry is a request of its own).</summary>
    public void RecordThrottled() => Interlocked.Increment(ref _throttled);

    public IReadOnlyList<KindSummary> Kinds() =>
        [.. _kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Value.Summarize(k.Key))];

    private sealed class KindStats
    {
        private readonly List<double> _latencies = [];

        public void Add(double milliseconds)
        {
            lock (_latencies)
            {
                _latencies.Add(milliseconds);
            }
        }

        public KindSummary Summarize(string kind)
        {
            double[] sorted;
            lock (_latencies)
            {
                sorted = [.. _latencies];
            }

            Array.Sort(sorted);
            return new KindSummary(kind, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
        }

        private static double Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

public sealed record KindSummary(string Kind, int Requests, double P50Milliseconds, double P99Milliseconds);

/// <summary>What a cycle did, in counts only (never names, e-mails or tokens).</summary>
public sealed record SimulationSummary
{
    public required SimulatorCycle Cycle { get; init; }
    public required long Requests { get; init; }
    public required long Throttled { get; init; }
    public required IReadOnlyDictionary<int, int> ErrorsByStatus { get; init; }
    public required TimeSpan Elapsed { get; init; }
    public required IReadOnlyList<KindSummary> Kinds { get; init; }

    /// <summary>Users in Entra's scope: present, and assigned directly or through an assigned group.</summary>
    public int UsersInScope { get; init; }

    /// <summary>In scope but disabled in the directory and not in the target: Entra does not provision a disabled user.</summary>
    public int UsersDisabledNotCreated { get; init; }
    public int UsersCreated { get; init; }
    public int UsersUpdated { get; init; }
    public int UsersUnchanged { get; init; }
    public int UsersSkipped { get; init; }
    public int UsersFailed { get; init; }
    public int ManagersSet { get; init; }
    public int GroupsCreated { get; init; }
    public int GroupsMatched { get; init; }
    public int GroupsFailed { get; init; }

    /// <summary>Memberships sent in PATCHes (members that are provisioned users).</summary>
    public int MembershipsSent { get; init; }
    public int MembershipsSkipped { get; init; }
    public int MembershipPatches { get; init; }
    public int ChangesSent { get; init; }
    public int ChangesSkipped { get; init; }
    public int ChangesFailed { get; init; }

    public long Errors => ErrorsByStatus.Values.Sum();

    public double Throughput => Elapsed.TotalSeconds > 0 ? Requests / Elapsed.TotalSeconds : 0;

    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"{(Cycle == SimulatorCycle.Initial ? "Initial" : "Incremental")} cycle done in {Elapsed.TotalSeconds:0.0} s");
        var errors = ErrorsByStatus.Count == 0 ? "" : " (" + string.Join(", ", ErrorsByStatus.OrderBy(e => e.Key).Select(e => $"HTTP {e.Key}: {e.Value}")) + ")";
        text.AppendLine(c, $"  requests {Requests} ({Throughput:0.0}/s), 429 waited out {Throttled}, errors {Errors}{errors}");
        if (Cycle == SimulatorCycle.Initial)
        {
            text.AppendLine(c, $"  users in scope {UsersInScope}: created {UsersCreated}, updated {UsersUpdated}, unchanged {UsersUnchanged}, disabled (not created) {UsersDisabledNotCreated}, skipped {UsersSkipped}, failed {UsersFailed}; managers set {ManagersSet}");
            text.AppendLine(c, $"  groups created {GroupsCreated}, matched {GroupsMatched}, failed {GroupsFailed}; memberships sent {MembershipsSent} in {MembershipPatches} PATCHes, skipped {MembershipsSkipped}");
        }
        else
        {
            text.AppendLine(c, $"  changes sent {ChangesSent}, skipped {ChangesSkipped}, failed {ChangesFailed}");
        }

        text.AppendLine("  kind                 requests     p50 ms     p99 ms");
        foreach (var kind in Kinds)
        {
            text.AppendLine(c, $"  {kind.Kind,-18} {kind.Requests,10} {kind.P50Milliseconds,10:0.0} {kind.P99Milliseconds,10:0.0}");
        }

        return text.ToString();
    }
}
