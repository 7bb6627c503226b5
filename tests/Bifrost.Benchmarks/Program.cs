using System.Net.Http.Headers;
using System.Text;
using Bifrost.Benchmarks;

// SCIM load through the gateway, shaped like Entra's provisioning engine (usage: Options.Usage, or --help).
// Nothing runs on a mistyped command line: this tool writes (100k users by default) through the token's provider.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(Options.Usage);
    return 0;
}

if (Options.Unknown(args) is { } unknown)
{
    Console.Error.WriteLine($"Unknown option {unknown}.{Environment.NewLine}{Environment.NewLine}{Options.Usage}");
    return 2;
}

if (args.Contains("--token-check"))
{
    int Arg(string name, int fallback) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    await TokenCheckBenchmark.RunAsync(Arg("--providers", 1000), Arg("--iterations", 200_000));
    return 0;
}

var options = Options.Parse(args);
// An open loop (--rate) keeps up to MaxInFlight requests outstanding when the system falls behind.
const int MaxInFlight = 512;
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Paced ? MaxInFlight : options.Concurrency * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = new Uri(options.Gateway.TrimEnd('/') + "/"),
    Timeout = TimeSpan.FromSeconds(60),
};
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/scim+json"));
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

if (options.Mode == "rotation")
{
    await RotationPropagation.RunAsync(options, cancel.Token);
    return 0;
}

if (options.Mode == "propagation")
{
    await Propagation.RunAsync(http, options, cancel.Token);
    return 0;
}

var run = options.Run ?? Guid.NewGuid().ToString("N")[..8];
string UserName(long i) => $"bench-{run}-{i}@load.test";
var ids = new string[options.Users];
var results = new List<OperationStats>();
var cpuLines = new List<string>();
CpuSnapshot? warmedUpAt = null;

static StringContent Scim(string json) => new(json, Encoding.UTF8, "application/scim+json");

static string? IdOf(string body)
{
    var at = body.IndexOf("\"id\":\"", StringComparison.Ordinal);
    return at < 0 ? null : body.Substring(at + 6, 36);
}

async Task SettleAsync()
{
    if (options.Settle)
    {
        var waited = await Settle.UntilQuietAsync(0.25, 3, TimeSpan.FromMinutes(20), cancel.Token);
        Console.WriteLine($"  (waited {waited.TotalSeconds:0} s for the machine to be quiet: CPU under 25 % for 3 s)");
    }
}

if (options.Phases.Contains("idle"))
{
    // What the system uses when no request comes: the floor under every per-request figure at low rates.
    await SettleAsync();
    var start = CpuSnapshot.Take();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(options.Seconds), cancel.Token);
    if (start is not null && CpuSnapshot.Take() is { } end)
    {
        var line = $"idle, {options.Seconds} s with no request: {end.PerSecond(start, clock.Elapsed)}";
        cpuLines.Add(line);
        Console.WriteLine($"  CPU {line}");
    }
}

// The first phase starts on a quiet machine, whichever it is (a create run right after a member-PATCH run used to be
// measured beside that run's event backlog), and the reference is timed on it.
await SettleAsync();
var referenceBefore = Calibration.Measure();
Console.WriteLine($"Run {run}: phases {string.Join(",", options.Phases)}, {options.Users} users, {options.Concurrency} concurrent");
Console.WriteLine($"  (machine reference: {referenceBefore.TotalMilliseconds:0} ms for the fixed single-core workload; lower is faster)");
if (options.Phases.Contains("create"))
{
    Console.WriteLine($"Creating {options.Users} users ({options.Concurrency} concurrent)…");
    await MeasureAsync(async () => [await RunAsync("create user (POST /Users)", options.Concurrency, options.Users, TimeSpan.FromHours(1), async (i, ct) =>
    {
        using var response = await http.PostAsync("scim/v2/Users", Scim($$$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
             "userName":"{{{UserName(i)}}}","externalId":"ext-{{{run}}}-{{{i}}}","active":true,"displayName":"Bench User {{{i}}}",
             "name":{"givenName":"Bench","familyName":"User {{{i}}}"},"title":"Engineer",
             "emails":[{"primary":true,"type":"work","value":"{{{UserName(i)}}}"}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Dept {{{i % 50}}}","employeeNumber":"{{{i}}}"}}
            """), ct);
        if (response.IsSuccessStatusCode)
        {
            ids[i] = IdOf(await response.Content.ReadAsStringAsync(ct)) ?? "";
        }

        return ((int)response.StatusCode, response.IsSuccessStatusCode);
    }, cancel.Token)]);
}
else
{
    // An earlier run (--run) created the users: resolve the ids of a sample for the PATCH phases (not measured).
    var sample = Math.Min(options.Users, 20_000);
    await Parallel.ForAsync(0, sample, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancel.Token }, async (k, ct) =>
    {
        var i = (long)k * options.Users / sample;
        using var response = await http.GetAsync($"scim/v2/Users?filter={Uri.EscapeDataString($"userName eq \"{UserName(i)}\"")}&attributes=id", ct);
        ids[i] = IdOf(await response.Content.ReadAsStringAsync(ct)) ?? "";
    });
}

var created = ids.Where(id => !string.IsNullOrEmpty(id)).ToArray();
var duration = TimeSpan.FromSeconds(options.Seconds);
if (created.Length == 0)
{
    Console.WriteLine($"No user of run {run} was found: create them first (--phases create --run {run}).");
    return 0;
}

if (options.Phases.Contains("lookup"))
{
    await SettleAsync();
    Console.WriteLine($"userName eq lookups for {options.Seconds} s…");
    await MeasureAsync(async () => [await RunAsync("lookup userName eq (GET /Users?filter)", options.Concurrency, long.MaxValue, duration, async (i, ct) =>
    {
        var n = Random.Shared.NextInt64(options.Users);
        using var response = await http.GetAsync($"scim/v2/Users?filter={Uri.EscapeDataString($"userName eq \"{UserName(n)}\"")}", ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return ((int)response.StatusCode, response.IsSuccessStatusCode && body.Contains("\"totalResults\":1", StringComparison.Ordinal));
    }, cancel.Token)]);
}

if (options.Phases.Contains("patch"))
{
    await SettleAsync();
    Console.WriteLine($"User PATCHes (replace title and department) for {options.Seconds} s…");
    await MeasureAsync(async () => [await RunAsync("user PATCH (replace title, department)", options.Concurrency, long.MaxValue, duration, PatchUserAsync, cancel.Token)]);
}

if (options.Phases.Contains("members"))
{
    await SettleAsync();
    Console.WriteLine($"Creating {options.Groups} groups, then member PATCHes ({options.MembersPerPatch} members each) for {options.Seconds} s…");
    var groups = await CreateGroupsAsync();
    await MeasureAsync(async () => [await RunAsync($"group member PATCH (add {options.MembersPerPatch})", options.Concurrency, long.MaxValue, duration,
        (i, ct) => PatchMembersAsync(groups, i, ct), cancel.Token)]);
}

if (options.Phases.Contains("mixed"))
{
    // Half the clients PATCH users while the other half add members to groups: what a group write costs the user writes
    // that meet it (the same users are in both).
    await SettleAsync();
    var half = Math.Max(1, options.Concurrency / 2);
    Console.WriteLine($"Creating {options.Groups} groups, then user PATCHes ({half} clients) beside member PATCHes ({half} clients) for {options.Seconds} s…");
    var groups = await CreateGroupsAsync();
    await MeasureAsync(() => Task.WhenAll(
        RunAsync("user PATCH beside member PATCHes", half, long.MaxValue, duration, PatchUserAsync, cancel.Token),
        RunAsync($"group member PATCH (add {options.MembersPerPatch}) beside user PATCHes", half, long.MaxValue, duration,
            (i, ct) => PatchMembersAsync(groups, i, ct), cancel.Token)));
}

// Closed loop (--concurrency clients, each sending its next request when the last answered) unless --rate is given:
// then an open loop at that many requests per second in all (split like the clients in the mixed phase).
Task<OperationStats> RunAsync(string name, int concurrency, long total, TimeSpan duration,
    Func<long, CancellationToken, Task<(int Status, bool Success)>> operation, CancellationToken cancellationToken) =>
    options.Paced
        ? LoadRunner.RunAtRateAsync($"{name} at {options.Rate * concurrency / options.Concurrency}/s", Math.Max(1, options.Rate * concurrency / options.Concurrency),
            MaxInFlight, total, duration, TimeSpan.FromSeconds(options.WarmUp), WarmedUp, operation, cancellationToken)
        : LoadRunner.RunAsync(name, concurrency, total, duration, operation, cancellationToken);

// An open loop's CPU is counted from the end of its warm-up (the first counted request).
void WarmedUp()
{
    if (Volatile.Read(ref warmedUpAt) is null)
    {
        Interlocked.CompareExchange(ref warmedUpAt, CpuSnapshot.Take(), null);
    }
}

// Runs one phase and prints its rows, then the CPU each request cost, by process: over the phase itself (after an open
// loop's warm-up), and up to the end of the events' drain (the consumers' share of the work comes after the last response).
async Task MeasureAsync(Func<Task<OperationStats[]>> phase)
{
    warmedUpAt = null;
    var phaseStart = CpuSnapshot.Take();
    var stats = await phase();
    var end = CpuSnapshot.Take();
    var start = warmedUpAt ?? phaseStart;
    results.AddRange(stats);
    foreach (var row in stats)
    {
        Console.WriteLine(row.Row());
        Console.WriteLine($"  tail: {row.Tail()}");
        if (options.SamplesCsv is { } file)
        {
            var header = !File.Exists(file);
            await using var writer = File.AppendText(file);
            if (header)
            {
                await writer.WriteLineAsync("operation,started_utc,ms,status");
            }

            row.WriteSamples(writer);
        }
    }

    if (start is null || end is null)
    {
        return;
    }

    var requests = stats.Sum(s => s.Sent);
    var name = string.Join(" + ", stats.Select(s => s.Name));
    cpuLines.Add($"{name}, during the phase: {end.PerRequest(start, requests)}");
    Console.WriteLine($"  CPU during the phase: {end.PerRequest(start, requests)}");
    if (options.Settle)
    {
        await SettleAsync();
        var drained = CpuSnapshot.Take()!;
        cpuLines.Add($"{name}, up to the end of the drain: {drained.PerRequest(start, requests)}");
        Console.WriteLine($"  CPU up to the end of the drain: {drained.PerRequest(start, requests)}");
    }
}

async Task<(int Status, bool Success)> PatchUserAsync(long i, CancellationToken ct)
{
    var id = created[Random.Shared.Next(created.Length)];
    using var request = new HttpRequestMessage(HttpMethod.Patch, $"scim/v2/Users/{id}")
    {
        Content = Scim($$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
             {"op":"Replace","path":"title","value":"Title {{i}}"},
             {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Dept {{i % 40}}"}]}
            """),
    };
    using var response = await http.SendAsync(request, ct);
    return ((int)response.StatusCode, response.IsSuccessStatusCode);
}

async Task<List<string>> CreateGroupsAsync()
{
    var groups = new List<string>();
    var groupRun = Guid.NewGuid().ToString("N")[..8];
    for (var g = 0; g < options.Groups; g++)
    {
        using var response = await http.PostAsync("scim/v2/Groups", Scim($$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"bench-{{groupRun}}-group-{{g}}","externalId":"g-{{groupRun}}-{{g}}"}
            """), cancel.Token);
        if (IdOf(await response.Content.ReadAsStringAsync(cancel.Token)) is { } id && response.IsSuccessStatusCode)
        {
            groups.Add(id);
        }
    }

    return groups;
}

async Task<(int Status, bool Success)> PatchMembersAsync(List<string> groups, long i, CancellationToken ct)
{
    var group = groups[(int)(i % groups.Count)];
    var members = string.Join(",", Enumerable.Range(0, options.MembersPerPatch).Select(_ => $$"""{"value":"{{created[Random.Shared.Next(created.Length)]}}"}"""));
    using var request = new HttpRequestMessage(HttpMethod.Patch, $"scim/v2/Groups/{group}")
    {
        Content = Scim($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{{members}}]}]}"""),
    };
    using var response = await http.SendAsync(request, ct);
    return ((int)response.StatusCode, response.IsSuccessStatusCode);
}

Console.WriteLine();
await SettleAsync();
var referenceAfter = Calibration.Measure();
Console.WriteLine($"{Environment.ProcessorCount} cores, {options.Concurrency} concurrent clients, {options.Users} users of run {run}; " +
    $"machine reference {referenceBefore.TotalMilliseconds:0} ms before, {referenceAfter.TotalMilliseconds:0} ms after (lower is faster)");
Console.WriteLine(OperationStats.Header);
foreach (var result in results)
{
    Console.WriteLine(result.Row());
}

if (cpuLines.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("CPU milliseconds per request, by process (from /proc; compare these between builds when the machine's speed drifts):");
    cpuLines.ForEach(line => Console.WriteLine($"- {line}"));
}

return 0;

internal sealed record Options(
    string Mode, string Gateway, string Token, string AdminKey, int Users, int Concurrency, int Seconds, int Groups, int MembersPerPatch,
    int Rate, int Samples, int Probes, string[] Gateways, string? SamplesCsv, string? Run, string[] Phases, bool Settle, bool Paced,
    int WarmUp)
{
    public const string Usage = """
        SCIM load through the gateway, shaped like Entra's provisioning engine: creates, userName lookups, user PATCHes and
        group member PATCHes. It writes through the provider of --token (by default the development provider): point it
        at a system whose data you can spare.
          Bifrost.Benchmarks [--gateway http://localhost:8080] [--token <scim token>]
             [--users 100000] [--concurrency 32] [--seconds 20] [--groups 20] [--members-per-patch 100]
             [--phases idle,create,lookup,patch,members,mixed] [--run <id>] [--no-settle] [--rate <n> [--warmup <s>]]
             [--samples-csv <file>]
          Each phase waits for the machine to be quiet first (the previous phase's events consumed), unless --no-settle.
          --rate <n>: an open loop instead of --concurrency clients: n requests per second whether or not earlier ones
          have answered, each latency counted from its scheduled start (the latency at a given load, not at saturation);
          a first second opens the connections and is not counted (--warmup <s>: that many seconds at the rate, not
          counted in latencies nor in CPU; give 60 or so after a start, while the services' JIT is still tiering up).
          After each phase: the CPU milliseconds each request cost, by process (from /proc), over the phase and up to the
          end of its events' drain. Requests per second drift with the host; CPU per request is the figure to compare.
          The idle phase sends nothing for --seconds and reports the CPU the system uses per second meanwhile.
          A fixed single-core workload is timed before and after (the machine reference): these are shared machines whose
          speed drifts, so compare runs only when their reference times are close.
          --samples-csv <file>: every counted request (operation, UTC start, ms, status) appended to the file, to line
          the slow ones up with what the machine was doing then (tests/Bifrost.Benchmarks/timeline.py).
          The users are named after the run id: --run <id of an earlier run> --phases lookup,patch measures again on them.
        Propagation latency (SCIM write accepted -> visible in the governance API), under a steady background load:
          ... --mode propagation --admin-key <key> --users 10000 --rate 100 --samples 500 [--probes 4] [--samples-csv file]
          (the CSV has each sample's user id and UTC times sent, accepted and visible, to line up with the services' rows)
        Token rotation reaching every gateway replica (rotate -> old token refused on all of them):
          ... --mode rotation --gateways http://localhost:8080,http://localhost:8081 --samples 50
        The gateway's token check in-process (no system needed; µs per check, warm):
          ... --token-check [--providers 1000] [--iterations 200000]
        """;

    private static readonly string[] Flags = ["--no-settle", "--token-check"];

    private static readonly string[] Valued =
    [
        "--mode", "--gateway", "--token", "--admin-key", "--users", "--concurrency", "--seconds", "--groups", "--members-per-patch",
        "--rate", "--samples", "--probes", "--gateways", "--samples-csv", "--run", "--phases", "--providers", "--iterations", "--warmup",
    ];

    private static readonly string[] PhaseNames = ["idle", "create", "lookup", "patch", "members", "mixed"];

    /// <summary>The first argument that is not an option of this tool (or an option without its value), else null.</summary>
    public static string? Unknown(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (Flags.Contains(args[i]))
            {
                continue;
            }

            if (!Valued.Contains(args[i]) || i + 1 >= args.Length)
            {
                return args[i];
            }

            if (args[i] == "--phases" && args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(p => !PhaseNames.Contains(p)) is { } phase)
            {
                return $"--phases {phase}";
            }

            i++;
        }

        return null;
    }

    public static Options Parse(string[] args)
    {
        string Value(string name, string? fallback) =>
            args.SkipWhile(a => a != $"--{name}").Skip(1).FirstOrDefault() ?? fallback ?? throw new ArgumentException($"--{name} is required");
        int Number(string name, int fallback) => int.Parse(Value(name, fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);
        return new Options(
            Value("mode", "scim"),
            Value("gateway", "http://localhost:8080"),
            Value("token", Environment.GetEnvironmentVariable("BIFROST_DEV_SCIM_TOKEN") ?? "bifrost-dev-scim-token-change-me-0123456789"),
            Value("admin-key", Environment.GetEnvironmentVariable("BIFROST_ADMIN_KEY") ?? "bifrost-dev-admin-key"),
            Number("users", 100_000),
            Number("concurrency", 32),
            Number("seconds", 20),
            Number("groups", 20),
            Number("members-per-patch", 100),
            Number("rate", 100),
            Number("samples", 500),
            Number("probes", 4),
            Value("gateways", "http://localhost:8080,http://localhost:8081").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            args.Contains("--samples-csv") ? Value("samples-csv", null) : null,
            args.Contains("--run") ? Value("run", null) : null,
            Value("phases", "create,lookup,patch,members").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            !args.Contains("--no-settle"),
            args.Contains("--rate"),
            Number("warmup", 1));
    }
}
