using System.Globalization;
using System.Text;

namespace Bifrost.Benchmarks;

/// <summary>
/// CPU time per process group, read from <c>/proc</c>, so that a phase can be reported as CPU milliseconds per request
/// by service. Requests per second drift with the host's speed (the machine reference moves up to 2× within an hour);
/// the CPU a request costs each service moves far less, which makes it the figure to compare between builds.
/// The load tool must run on the machine that runs the system (it does here); where <c>/proc</c> does not exist, nothing
/// is measured.
/// </summary>
/// <remarks>
/// Groups: each Bifrost process by name (the two gateway replicas together), PostgreSQL's backends by database (a
/// backend that exits is counted in its server's children time), RabbitMQ (the Erlang VM and its helpers), the Aspire
/// dashboard and orchestrator, this load tool, and "other" (the machine's busy time not in any of those: the kernel's
/// own threads, the sandbox). The machine's steal time (the hypervisor running someone else) is reported apart: it is
/// time this machine wanted and did not get.
/// </remarks>
internal sealed class CpuSnapshot
{
    private const double MillisecondsPerTick = 10; // USER_HZ is 100 on Linux, whatever the kernel's HZ.

    private const string PostgresServer = "postgres (server, and backends that closed)";

    private CpuSnapshot(Dictionary<int, (string Group, long Ticks)> processes, long busy, long steal, long total)
    {
        Processes = processes;
        Busy = busy;
        Steal = steal;
        Total = total;
    }

    /// <summary>Each process's group and CPU ticks (PostgreSQL's server with its reaped children's).</summary>
    public Dictionary<int, (string Group, long Ticks)> Processes { get; }

    /// <summary>Machine busy ticks (all CPUs): user, nice, system, irq, softirq.</summary>
    public long Busy { get; }

    public long Steal { get; }

    public long Total { get; }

    public static CpuSnapshot? Take()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6];
        var processes = new Dictionary<int, (string, long)>();
        var self = Environment.ProcessId;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var afterName = stat.LastIndexOf(')');
                // After "pid (comm) ": state is field 3; utime, stime, cutime, cstime are fields 14 to 17.
                var fields = stat[(afterName + 2)..].Split(' ');
                var own = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                var children = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                var command = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                var group = pid == self ? "load tool" : GroupOf(stat[(stat.IndexOf('(') + 1)..afterName], command);
                if (group is null)
                {
                    continue;
                }

                // Only PostgreSQL's server reaps children that belong to its groups (backends that closed mid-phase).
                processes[pid] = (group, group == PostgresServer ? own + children : own);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process exited while it was read: its time is in its parent's children time, or lost if unreaped.
            }
        }

        return new CpuSnapshot(processes, busy, cpu[7], cpu.Take(8).Sum());
    }

    private static string? GroupOf(string comm, string command)
    {
        if (comm == "postgres")
        {
            // A backend is "postgres: <user> <database> <client> <state>" (client "[local]" or an address); the server and
            // its own workers (checkpointer, autovacuum, WAL writer) are everything else.
            var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 4 && parts[0] == "postgres:" && (parts[3] == "[local]" || char.IsAsciiDigit(parts[3][0]))
                ? $"postgres ({parts[2]})"
                : PostgresServer;
        }

        // A service runs as its apphost executable, named after its project: ".../release/Bifrost.Ingestion".
        if (Path.GetFileName(command.Split(' ')[0]) is var exe && exe.StartsWith("Bifrost.", StringComparison.Ordinal))
        {
            return exe["Bifrost.".Length..].ToLowerInvariant() switch
            {
                "gateway" => "gateways",
                "teammapping" => "team-mapping",
                "graphemulator" => "graph emulator",
                "apphost" => "aspire",
                var name => name,
            };
        }

        return comm switch
        {
            "beam.smp" or "erl_child_setup" or "epmd" or "inet_gethost" or "rabbitmq-server" => "rabbitmq",
            "Aspire.Dashboar" => "aspire dashboard",
            "dcp" => "aspire",
            _ => null,
        };
    }

    /// <summary>
    /// One line: each group's CPU milliseconds per request between <paramref name="start"/> and this snapshot, largest
    /// first, then the whole machine's, and the share of the machine's time stolen by the hypervisor.
    /// </summary>
    public string PerRequest(CpuSnapshot start, long requests) =>
        requests <= 0 ? "no requests" : Since(start, requests, "ms per request");

    /// <summary>The same, per second of <paramref name="elapsed"/>: what the system uses when nothing is asked of it.</summary>
    public string PerSecond(CpuSnapshot start, TimeSpan elapsed) => Since(start, elapsed.TotalSeconds, "ms per second");

    private string Since(CpuSnapshot start, double divisor, string unit)
    {
        string Ms(long ticks) => (ticks * MillisecondsPerTick / divisor).ToString("0.00", CultureInfo.InvariantCulture);
        // A process seen at both ends counts its difference; one that started since counts all its time. A PostgreSQL
        // backend that closed in between is in its server's children time, whole: the part it had used before the start
        // is taken back out of the server's group.
        var groups = new Dictionary<string, long>();
        foreach (var (pid, (group, ticks)) in Processes)
        {
            var before = start.Processes.TryGetValue(pid, out var earlier) && earlier.Group == group ? earlier.Ticks : 0;
            groups[group] = groups.GetValueOrDefault(group) + ticks - before;
        }

        foreach (var (pid, (group, ticks)) in start.Processes)
        {
            if (!Processes.ContainsKey(pid) && group.StartsWith("postgres (", StringComparison.Ordinal) && group != PostgresServer)
            {
                groups[PostgresServer] = groups.GetValueOrDefault(PostgresServer) - ticks;
            }
        }

        var deltas = groups.Where(g => g.Value > 0).Select(g => (g.Key, Ticks: g.Value)).ToList();
        var busy = Busy - start.Busy;
        var other = busy - deltas.Sum(g => g.Ticks);
        var line = new StringBuilder();
        foreach (var (name, ticks) in deltas.Where(g => Ms(g.Ticks) != "0.00").OrderByDescending(g => g.Ticks))
        {
            line.Append(CultureInfo.InvariantCulture, $"{name} {Ms(ticks)} · ");
        }

        var total = Total - start.Total;
        var steal = total <= 0 ? 0 : 100.0 * (Steal - start.Steal) / total;
        line.Append(CultureInfo.InvariantCulture, $"other {Ms(Math.Max(0, other))} · machine {Ms(busy)} {unit} (steal {steal:0.0} %)");
        return line.ToString();
    }
}
