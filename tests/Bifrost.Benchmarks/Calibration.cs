using System.Diagnostics;
using System.Text.Json;

namespace Bifrost.Benchmarks;

/// <summary>
/// How fast this machine's cores are right now. The machines this project runs on are shared virtual machines: on an
/// idle one, the same single-threaded loop has taken from 2.0 to 3.0 s a minute apart, and the same SCIM runs have
/// given 771 or 1,505 creates/s hours apart, without any steal time showing in <c>/proc/stat</c>. So each report starts
/// and ends with a fixed single-core workload (JSON of a SCIM-sized user, hashing and sorting, the kind of work the
/// services do), timed as the best of five: rows are comparable only when their reference times are close.
/// </summary>
internal static class Calibration
{
    private sealed record Sample(string UserName, string DisplayName, string Department, int Number, string[] Emails);

    public static TimeSpan Measure()
    {
        var best = TimeSpan.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var clock = Stopwatch.StartNew();
            Work();
            best = clock.Elapsed < best ? clock.Elapsed : best;
        }

        return best;
    }

    private static void Work()
    {
        var keys = new List<string>(50_000);
        for (var i = 0; i < 50_000; i++)
        {
            var json = JsonSerializer.Serialize(new Sample($"user-{i}@load.test", $"User {i}", $"Dept {i % 50}", i, [$"user-{i}@load.test", $"u{i}@alt.test"]));
            var back = JsonSerializer.Deserialize<Sample>(json)!;
            keys.Add(back.UserName.ToUpperInvariant() + back.GetHashCode());
        }

        keys.Sort(StringComparer.Ordinal);
        GC.KeepAlive(keys);
    }
}
