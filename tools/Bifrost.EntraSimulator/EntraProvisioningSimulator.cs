using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.GraphEmulator;

namespace Bifrost.EntraSimulator;

/// <summary>
/// Entra's provisioning engine in miniature, over the synthetic directory the Graph emulator serves (same options, same
/// directory). Usable as a library (tests call <see cref="RunAsync"/> in-process) and from the command line.
/// </summary>
public sealed class EntraProvisioningSimulator(SimulatorOptions options, TextWriter output, HttpMessageHandler? handler = null)
{
    private readonly SyntheticDirectory _directory = new(options.Directory);
    private readonly SimulationStats _stats = new();
    private string _phase = "starting";

    public SyntheticDirectory Directory => _directory;

    /// <summary>
    /// Whether a change is deliberately not sent: a stable hash of (seed, kind, id) below the skip fraction, so the
    /// same run skips the same things and a test can count them.
    /// </summary>
    public static bool IsSkipped(double fraction, int seed, string kind, long id)
    {
        if (fraction <= 0)
        {
            return false;
        }

        var x = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)id * 0xBF58476D1CE4E5B9UL) ^ ((ulong)(uint)kind.Length * 0x94D049BB133111EBUL) ^ (ulong)kind[0] << 40;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return (x % 1_000_000UL) < fraction * 1_000_000;
    }

    public async Task<SimulationSummary> RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient(handler ?? new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(2, options.Concurrency) }, disposeHandler: handler is null)
        {
            BaseAddress = new Uri(options.Gateway.ToString().TrimEnd('/') + "/scim/v2/"),
            Timeout = TimeSpan.FromSeconds(100),
        };
        var scim = new ScimClient(http, options.Token, _stats, options.Rate, options.MaxAttempts);
        using var progress = new CancellationTokenSource();
        var reporter = ReportProgressAsync(progress.Token);
        try
        {
            if (options.DemoProvider is { } provider)
            {
                _phase = "demo mapping rules";
                await DemoProvider.ConfigureAsync(http, options.Gateway, provider, options.AdminKey!, output, cancellationToken);
            }

            _phase = "test connection";
            await TestConnectionAsync(scim, cancellationToken);
            return options.Cycle == SimulatorCycle.Initial
                ? await InitialCycleAsync(scim, cancellationToken)
                : await IncrementalCycleAsync(scim, http, cancellationToken);
        }
        finally
        {
            await progress.CancelAsync();
            await reporter;
        }
    }

    /// <summary>Test Connection: a random userName must match nothing (200, empty list); a random group likewise.</summary>
    private static async Task TestConnectionAsync(ScimClient scim, CancellationToken cancellationToken)
    {
        var users = await scim.GetAsync("test-connection", EntraRequests.TestConnectionUsers(Guid.NewGuid()), cancellationToken);
        var groups = await scim.GetAsync("test-connection", EntraRequests.TestConnectionGroups(Guid.NewGuid()), cancellationToken);
        foreach (var answer in new[] { users, groups })
        {
            if (!answer.IsSuccess || answer.Body?["totalResults"]?.GetValue<int>() != 0)
            {
                throw new SimulatorException($"Test Connection failed: HTTP {answer.Status} (expected 200 with an empty ListResponse).");
            }
        }
    }

    private async Task<SimulationSummary> InitialCycleAsync(ScimClient scim, CancellationToken cancellationToken)
    {
        var users = options.Users;
        var targetIds = new string?[users];
        int created = 0, updated = 0, unchanged = 0, disabled = 0, skipped = 0, failed = 0, inScope = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };

        // Users: match on userName, then create or update.
        _phase = "users";
        await Parallel.ForEachAsync(Enumerable.Range(0, users), parallel, async (i, ct) =>
        {
            if (!ChangeSet.InScope(_directory, i))
            {
                return;
            }

            Interlocked.Increment(ref inScope);
            if (IsSkipped(options.SkipFraction, options.Seed, "user", i))
            {
                Interlocked.Increment(ref skipped);
                return;
            }

            var user = _directory.User(i)!;
            var match = await scim.GetAsync("user-query", EntraRequests.UserQuery(user), ct);
            if (!match.IsSuccess)
            {
                Interlocked.Increment(ref failed);
                return;
            }

            if (match.Body?["Resources"] is JsonArray { Count: > 0 } found && found[0] is JsonObject existing)
            {
                targetIds[i] = existing["id"]?.GetValue<string>();
                if (EntraRequests.UpdateUser(user, existing) is not { } patch)
                {
                    Interlocked.Increment(ref unchanged);
                    return;
                }

                var answer = await scim.PatchAsync("user-update", $"Users/{targetIds[i]}", patch, ct);
                Interlocked.Increment(ref answer.IsSuccess ? ref updated : ref failed);
                return;
            }

            if (!user.AccountEnabled)
            {
                // "Provisioning a user who is disabled in Entra is not supported": a match is updated (active false), no create.
                Interlocked.Increment(ref disabled);
                return;
            }

            var create = await scim.PostAsync("user-create", "Users", EntraRequests.CreateUser(user), ct);
            if (create.IsSuccess && create.Body?["id"]?.GetValue<string>() is { } id)
            {
                targetIds[i] = id;
                Interlocked.Increment(ref created);
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        });

        // Reference attributes in a later pass: the manager, when the manager is provisioned too.
        _phase = "managers";
        var managers = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, users), parallel, async (i, ct) =>
        {
            if (targetIds[i] is not { } id || _directory.User(i)!.ManagerId is not { } managerId
                || _directory.UserIndex(managerId) is not { } m || targetIds[m] is not { } managerTarget)
            {
                return;
            }

            var answer = await scim.PatchAsync("user-manager", $"Users/{id}", EntraRequests.SetManager(managerTarget), ct);
            if (answer.IsSuccess)
            {
                Interlocked.Increment(ref managers);
            }
        });

        // Groups: match on displayName (members excluded), create empty, then add members in batched PATCHes.
        _phase = "groups";
        int groupsCreated = 0, groupsMatched = 0, groupsFailed = 0, sent = 0, membershipsSkipped = 0, patches = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Groups), parallel, async (g, ct) =>
        {
            if (!_directory.IsGroupInScope(g))
            {
                return; // not assigned to the app (or deleted): Entra does not provision it
            }

            var group = _directory.Group(g);
            var match = await scim.GetAsync("group-query", EntraRequests.GroupQuery(group), ct);
            string? id = null;
            if (match.IsSuccess && match.Body?["Resources"] is JsonArray { Count: > 0 } found)
            {
                id = found[0]?["id"]?.GetValue<string>();
                Interlocked.Increment(ref groupsMatched);
            }
            else if (match.IsSuccess)
            {
                var create = await scim.PostAsync("group-create", "Groups", EntraRequests.CreateGroup(group), ct);
                id = create.IsSuccess ? create.Body?["id"]?.GetValue<string>() : null;
                if (id is not null)
                {
                    Interlocked.Increment(ref groupsCreated);
                }
            }

            if (id is null)
            {
                Interlocked.Increment(ref groupsFailed);
                return;
            }

            var batch = new List<string>(options.MemberBatchSize);
            foreach (var member in _directory.Members(g))
            {
                if (targetIds[member] is not { } memberId)
                {
                    continue; // not provisioned (out of scope or skipped): Entra cannot reference it
                }

                if (IsSkipped(options.SkipFraction, options.Seed, "membership", ((long)g << 32) | (uint)member))
                {
                    Interlocked.Increment(ref membershipsSkipped);
                    continue;
                }

                batch.Add(memberId);
                if (batch.Count == options.MemberBatchSize)
                {
                    await SendMembersAsync(id, batch, ct);
                }
            }

            if (batch.Count > 0)
            {
                await SendMembersAsync(id, batch, ct);
            }
        });

        async Task SendMembersAsync(string groupId, List<string> batch, CancellationToken ct)
        {
            var answer = await scim.PatchAsync("group-members", $"Groups/{groupId}", EntraRequests.AddMembers(batch), ct);
            Interlocked.Increment(ref patches);
            if (answer.IsSuccess)
            {
                Interlocked.Add(ref sent, batch.Count);
            }

            batch.Clear();
        }

        _phase = "done";
        return Summary(SimulatorCycle.Initial) with
        {
            UsersInScope = inScope,
            UsersCreated = created,
            UsersUpdated = updated,
            UsersUnchanged = unchanged,
            UsersDisabledNotCreated = disabled,
            UsersSkipped = skipped,
            UsersFailed = failed,
            ManagersSet = managers,
            GroupsCreated = groupsCreated,
            GroupsMatched = groupsMatched,
            GroupsFailed = groupsFailed,
            MembershipsSent = sent,
            MembershipsSkipped = membershipsSkipped,
            MembershipPatches = patches,
        };
    }

    private async Task<SimulationSummary> IncrementalCycleAsync(ScimClient scim, HttpClient http, CancellationToken cancellationToken)
    {
        _phase = "change set";
        var changes = ChangeSet.Generate(_directory, options.Changes, options.ChangeSeed);
        if (options.Emulator is { } emulator)
        {
            // Graph shows every change, whether or not it is sent below: the skipped ones are the drift.
            foreach (var chunk in changes.Chunk(500))
            {
                using var response = await http.PostAsJsonAsync(new Uri(emulator, "admin/mutations"), chunk.Select(c => c.ToMutation()), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new SimulatorException($"The Graph emulator refused the change set: HTTP {(int)response.StatusCode}.");
                }
            }
        }

        _phase = "changes";
        int sent = 0, skipped = 0, failed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(changes.Select((change, n) => (change, n)), parallel, async (item, ct) =>
        {
            var (change, n) = item;
            if (IsSkipped(options.SkipFraction, options.ChangeSeed, "change", n))
            {
                Interlocked.Increment(ref skipped);
                return;
            }

            var ok = await SendChangeAsync(scim, change, ct);
            Interlocked.Increment(ref ok ? ref sent : ref failed);
        });

        _phase = "done";
        return Summary(SimulatorCycle.Incremental) with { ChangesSent = sent, ChangesSkipped = skipped, ChangesFailed = failed };
    }

    /// <summary>Match the user (and group) as Entra does after a restart of its cache, then send the one PATCH.</summary>
    private async Task<bool> SendChangeAsync(ScimClient scim, DirectoryChange change, CancellationToken cancellationToken)
    {
        var user = _directory.GeneratedUser(change.UserIndex);
        var match = await scim.GetAsync("user-query", EntraRequests.UserQuery(user), cancellationToken);
        if (match.Body?["Resources"] is not JsonArray { Count: > 0 } found || found[0]?["id"]?.GetValue<string>() is not { } userId)
        {
            return false; // never provisioned (e.g. skipped in the initial cycle): nothing to update
        }

        switch (change.Kind)
        {
            case ChangeKind.Attribute:
                var path = change.Attribute == "department" ? $"{EntraRequests.EnterpriseSchema}:department" : "title";
                return (await scim.PatchAsync("user-update", $"Users/{userId}", EntraRequests.ReplaceAttribute(path, change.Value!), cancellationToken)).IsSuccess;
            case ChangeKind.Disable or ChangeKind.Unassign:
                return (await scim.PatchAsync("user-disable", $"Users/{userId}", EntraRequests.Disable(), cancellationToken)).IsSuccess;
        }

        var group = _directory.Group(change.GroupIndex!.Value);
        var groupMatch = await scim.GetAsync("group-query", EntraRequests.GroupQuery(group), cancellationToken);
        if (groupMatch.Body?["Resources"] is not JsonArray { Count: > 0 } groups || groups[0]?["id"]?.GetValue<string>() is not { } groupId)
        {
            return false;
        }

        var body = change.Kind == ChangeKind.AddMember ? EntraRequests.AddMembers([userId]) : EntraRequests.RemoveMembers([userId]);
        return (await scim.PatchAsync("group-members", $"Groups/{groupId}", body, cancellationToken)).IsSuccess;
    }

    private SimulationSummary Summary(SimulatorCycle cycle) => new()
    {
        Cycle = cycle,
        Requests = _stats.Requests,
        Throttled = _stats.Throttled,
        ErrorsByStatus = new Dictionary<int, int>(_stats.ErrorsByStatus),
        Elapsed = _stats.Elapsed,
        Kinds = _stats.Kinds(),
    };

    private async Task ReportProgressAsync(CancellationToken cancellationToken)
    {
        var last = 0L;
        var interval = options.ProgressInterval;
        try
        {
            while (true)
            {
                await Task.Delay(interval, cancellationToken);
                var requests = _stats.Requests;
                await output.WriteLineAsync(
                    $"[{_stats.Elapsed:hh\\:mm\\:ss}] {_phase}: {requests} requests ({(requests - last) / interval.TotalSeconds:0.0}/s), 429 waited out {_stats.Throttled}, errors {_stats.Errors}");
                last = requests;
            }
        }
        catch (OperationCanceledException)
        {
            // The cycle is over.
        }
    }
}

public sealed class SimulatorException(string message) : Exception(message);
