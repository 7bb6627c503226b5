using System.Diagnostics;
using System.Globalization;

namespace Bifrost.Benchmarks;

/// <summary>
/// Waits until the machine is quiet before a measured phase, so that a phase is not measured beside the event backlog
/// the previous one left (identity and team-mapping consuming creates after the last 201). The load tool runs on the
/// same machine as the system, so "quiet" is read from <c>/proc/stat</c>: total CPU use under a threshold for a few
/// consecutive seconds. Where <c>/proc/stat</c> does not exist the wait is skipped.
/// </summary>
internal static class Settle
{
    public static async Task<TimeSpan> UntilQuietAsync(double maxBusyFraction, int quietSeconds, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (!File.Exists("/proc/stat"))
        {
            return TimeSpan.Zero;
        }

        var quiet = 0;
        var previous = Read();
        while (quiet < quietSeconds && clock.Elapsed < limit)
        {
            await Task.Delay(1000, cancellationToken);
            var current = Read();
            var total = current.Total - previous.Total;
            var busy = total <= 0 ? 0 : 1.0 - (double)(current.Idle - previous.Idle) / total;
            quiet = busy <= maxBusyFraction ? quiet + 1 : 0;
            previous = current;
        }

        return clock.Elapsed;
    }

    private static (long Idle, long Total) Read()
    {
        // cpu  user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return (fields[3] + fields[4], fields.Take(8).Sum());
    }
}
