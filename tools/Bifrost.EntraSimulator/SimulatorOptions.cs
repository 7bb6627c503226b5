using System.Globalization;
using Bifrost.GraphEmulator;

namespace Bifrost.EntraSimulator;

public enum SimulatorCycle
{
    Initial,
    Incremental,
}

/// <summary>What to simulate and how hard: the directory (same options as the emulator's), the target, and the pace.</summary>
public sealed record SimulatorOptions
{
    /// <summary>The gateway's base address (the SCIM endpoint is <c>{Gateway}/scim/v2</c>).</summary>
    public required Uri Gateway { get; init; }

    /// <summary>The provider's SCIM bearer token (Entra's "Secret Token").</summary>
    public required string Token { get; init; }

    public int Users { get; init; } = 300;
    public int Groups { get; init; } = 30;
    public int? MembershipsPerUser { get; init; }
    public int Seed { get; init; } = 42;

    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Requests per second cap (0 = no cap).</summary>
    public double Rate { get; init; }

    /// <summary>Fraction (0..1) of changes deliberately not sent: users not created, memberships not added, incremental changes dropped.</summary>
    public double SkipFraction { get; init; }

    public SimulatorCycle Cycle { get; init; } = SimulatorCycle.Initial;

    /// <summary>Incremental cycle: how many changes the seeded change set holds.</summary>
    public int Changes { get; init; } = 50;

    /// <summary>Incremental cycle: the change set's own seed (the directory's is <see cref="Seed"/>).</summary>
    public int ChangeSeed { get; init; } = 7;

    /// <summary>Members per group PATCH. Microsoft does not publish Entra's batch size; see README of the tool.</summary>
    public int MemberBatchSize { get; init; } = 100;

    /// <summary>Incremental cycle: when set, the change set is first applied to the Graph emulator (its admin mutations).</summary>
    public Uri? Emulator { get; init; }

    /// <summary>Before the cycle, configure this provider's demo mapping rules through the admin API (needs <see cref="AdminKey"/>).</summary>
    public Guid? DemoProvider { get; init; }

    public string? AdminKey { get; init; }

    /// <summary>Attempts per request on 429 before giving up.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>How often progress is printed.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    public DirectoryOptions Directory => new(Users, Groups, Seed) { MembershipsPerUser = MembershipsPerUser };

    public const string Usage = """
        Bifrost Entra provisioning simulator

          --gateway URL                 gateway base address (default http://localhost:8080)
          --token TOKEN                 SCIM bearer token (or ENTRA_SIMULATOR_TOKEN)
          --users N --groups N          directory size (same meaning as the Graph emulator's; default 300 / 30)
          --memberships-per-user N      groups per user (default: the emulator's classic two-group layout)
          --seed N                      directory seed (default 42)
          --concurrency N               requests in flight (default 8)
          --rate R                      requests/s cap (default 0 = none)
          --skip-fraction F             fraction of changes deliberately not sent (default 0)
          --cycle initial|incremental   (default initial)
          --changes N                   incremental: size of the seeded change set (default 50)
          --change-seed N               incremental: seed of the change set (default 7)
          --member-batch N              members per group PATCH (default 100)
          --emulator URL                incremental: apply the change set to the Graph emulator first
          --demo-provider ID            configure that provider's demo mapping rules first (needs --admin-key
                                        or ENTRA_SIMULATOR_ADMIN_KEY)
          --admin-key KEY               admin key for the gateway's /api
        """;

    /// <summary>Parses <c>--name value</c> pairs; unknown names and bad values are errors (message, no options).</summary>
    public static SimulatorOptions? Parse(IReadOnlyList<string> args, Func<string, string?> environment, out string? error)
    {
        string? problem = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                error = $"expected '--name value' at '{name}'";
                return null;
            }

            values[name[2..]] = args[++i];
        }

        string? Take(string name) => values.Remove(name, out var value) ? value : null;
        int Int(string name, int fallback, int min)
        {
            var text = Take(name);
            if (text is null)
            {
                return fallback;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
            {
                problem ??= $"--{name} must be an integer ≥ {min}";
            }

            return value;
        }

        double Double(string name, double min, double max)
        {
            var text = Take(name);
            if (text is null)
            {
                return 0;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                problem ??= $"--{name} must be a number between {min} and {max}";
            }

            return value;
        }

        Uri? Url(string name, string? fallback)
        {
            var text = Take(name) ?? fallback;
            if (text is null)
            {
                return null;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problem ??= $"--{name} must be an absolute http(s) URL";
            }

            return uri;
        }

        var gateway = Url("gateway", "http://localhost:8080");
        var token = Take("token") ?? environment("ENTRA_SIMULATOR_TOKEN");
        var users = Int("users", 300, 0);
        var groups = Int("groups", 30, 1);
        var membershipsText = values.ContainsKey("memberships-per-user") ? (int?)Int("memberships-per-user", 2, 1) : null;
        var seed = Int("seed", 42, int.MinValue);
        var concurrency = Int("concurrency", 8, 1);
        var rate = Double("rate", 0, 1_000_000);
        var skip = Double("skip-fraction", 0, 1);
        var cycleText = Take("cycle") ?? "initial";
        var changes = Int("changes", 50, 0);
        var changeSeed = Int("change-seed", 7, int.MinValue);
        var batch = Int("member-batch", 100, 1);
        var emulator = Url("emulator", null);
        var demoText = Take("demo-provider");
        var adminKey = Take("admin-key") ?? environment("ENTRA_SIMULATOR_ADMIN_KEY");

        Guid? demo = null;
        if (demoText is not null)
        {
            if (Guid.TryParse(demoText, out var id))
            {
                demo = id;
            }
            else
            {
                problem ??= "--demo-provider must be a provider id (a GUID)";
            }
        }

        SimulatorCycle cycle = SimulatorCycle.Initial;
        switch (cycleText)
        {
            case "initial": break;
            case "incremental": cycle = SimulatorCycle.Incremental; break;
            default: problem ??= "--cycle must be initial or incremental"; break;
        }

        if (values.Count > 0)
        {
            problem ??= $"unknown option --{values.Keys.First()}";
        }

        if (string.IsNullOrEmpty(token))
        {
            problem ??= "--token (or ENTRA_SIMULATOR_TOKEN) is required";
        }

        if (demo is not null && string.IsNullOrEmpty(adminKey))
        {
            problem ??= "--demo-provider needs --admin-key (or ENTRA_SIMULATOR_ADMIN_KEY)";
        }

        error = problem;
        if (problem is not null)
        {
            return null;
        }

        return new SimulatorOptions
        {
            Gateway = gateway!,
            Token = token!,
            Users = users,
            Groups = groups,
            MembershipsPerUser = membershipsText,
            Seed = seed,
            Concurrency = concurrency,
            Rate = rate,
            SkipFraction = skip,
            Cycle = cycle,
            Changes = changes,
            ChangeSeed = changeSeed,
            MemberBatchSize = batch,
            Emulator = emulator,
            DemoProvider = demo,
            AdminKey = adminKey,
        };
    }
}
