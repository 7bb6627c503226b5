using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bifrost.Reconciliation.Graph;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions.Serialization;

namespace Bifrost.Reconciliation.Services;

/// <summary>
/// One provider's comparison of Microsoft Graph with ingestion, and its repair. Graph is streamed page by page; of
/// ingestion only compact per-user entries (id, active, one hash per compared attribute) and the group list are kept,
/// and memberships are compared one group at a time, so memory grows with a few dozen bytes per user, never with whole
/// resources. Repairs are the SCIM requests Entra would send, through ingestion, so the normal events flow.
/// </summary>
public sealed class Reconciler(GraphClients graphClients, IngestionClient ingestion, IOptions<ReconciliationOptions> options, ReconciliationMetrics metrics)
{
    private const int MemberBatch = 100;

    public async Task RunAsync(GraphProvider provider, bool dryRun, RunReport report, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken)
    {
        var scope = options.Value.ScopeOf(provider.ProviderId);
        var graph = graphClients.Create(provider.Credentials);
        var run = new ProviderRun(provider.ProviderId, dryRun, report, metrics, options.Value.RepairConcurrency);

        var assigned = scope.All ? null : await AssignmentsAsync(graph, scope.ServicePrincipalId!.Value, cancellationToken);
        var graphToScim = await ReconcileUsersAsync(graph, run, assigned, checkpoint, cancellationToken);
        var groups = await ReconcileGroupsAsync(graph, run, assigned?.Groups, cancellationToken);
        await checkpoint(cancellationToken);
        await ReconcileMembershipsAsync(graph, run, groups, assigned, graphToScim, checkpoint, cancellationToken);
        await checkpoint(cancellationToken);
    }

    /// <summary>
    /// Users and groups assigned to the enterprise app: directly, or as members of an assigned group. Each assigned
    /// group's members are read here once and kept (4 bytes a membership) for the membership comparison.
    /// </summary>
    private async Task<AssignedScope> AssignmentsAsync(GraphServiceClient graph, Guid servicePrincipal, CancellationToken cancellationToken)
    {
        var scope = new AssignedScope();
        var assignments = graph.ServicePrincipals[servicePrincipal.ToString()].AppRoleAssignedTo;
        await ForEachPageAsync(
            await assignments.GetAsync(r => r.QueryParameters.Top = 999, cancellationToken),
            page => page.Value,
            (link, ct) => assignments.WithUrl(link).GetAsync(cancellationToken: ct),
            page =>
            {
                foreach (var assignment in page)
                {
                    if (assignment.PrincipalId is not { } id)
                    {
                        continue;
                    }

                    if (string.Equals(assignment.PrincipalType, "Group", StringComparison.OrdinalIgnoreCase))
                    {
                        scope.Groups.Add(id);
                    }
                    else
                    {
                        scope.AddUser(id);
                    }
                }

                return Task.CompletedTask;
            },
            cancellationToken);

        // One Graph request per assigned group: a few in flight at once (the SDK's retry handler honours 429s).
        await Parallel.ForEachAsync(scope.Groups, GraphParallelism(cancellationToken), async (group, ct) =>
        {
            var members = new List<Guid>();
            await ForEachMemberAsync(graph, group, members.Add, ct);
            scope.AddMembers(group, members);
        });

        return scope;
    }

    private ParallelOptions GraphParallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = options.Value.GraphConcurrency, CancellationToken = cancellationToken };

    private async Task<ConcurrentDictionary<Guid, Guid>> ReconcileUsersAsync(
        GraphServiceClient graph, ProviderRun run, AssignedScope? assigned, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken)
    {
        // Ingestion's users, compactly, by userName (Entra's matching attribute).
        var index = new Dictionary<string, UserEntry>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var page = await ingestion.UsersAsync(run.ProviderId, after, cancellationToken);
            foreach (var user in page.Items)
            {
                if (ScimUserShape.Hashes(user.Resource) is var hashes && user.Resource["userName"]?.GetValue<string>() is { } userName)
                {
                    index[ScimUserShape.Fold(userName)] = new UserEntry(user.Id, user.Active, hashes);
                }
            }

            after = page.Next;
        }
        while (after is not null);

        var graphToScim = new ConcurrentDictionary<Guid, Guid>();
        await ForEachPageAsync(
            await graph.Users.GetAsync(r =>
            {
                r.QueryParameters.Select = ScimUserShape.GraphSelect;
                r.QueryParameters.Top = 999;
            }, cancellationToken),
            page => page.Value,
            (link, ct) => graph.Users.WithUrl(link).GetAsync(cancellationToken: ct),
            async page =>
            {
                var repairs = new List<Func<CancellationToken, Task>>();
                foreach (var user in page)
                {
                    if (Guid.TryParse(user.Id, out var graphId) && user.UserPrincipalName is { Length: > 0 } upn)
                    {
                        CompareUser(run, user, graphId, upn, assigned is null || assigned.Contains(graphId), index, graphToScim, repairs);
                    }
                }

                await run.RepairAsync(repairs, cancellationToken);
                await checkpoint(cancellationToken);
            },
            cancellationToken);

        // Active in ingestion but gone from Graph (deleted): Entra disables them.
        var gone = new List<Func<CancellationToken, Task>>();
        foreach (var entry in index.Values.Where(e => !e.Seen && e.Active))
        {
            run.Found(DriftKind.MissedDeactivation, entry.Id);
            gone.Add(ct => run.Repaired(DriftKind.MissedDeactivation,
                ingestion.PatchAsync(run.ProviderId, "Users", entry.Id, [ScimUserShape.ActiveOperation(false)], ct)));
        }

        await run.RepairAsync(gone, cancellationToken);
        return graphToScim;
    }

    private void CompareUser(
        ProviderRun run, User user, Guid graphId, string upn, bool inScope, Dictionary<string, UserEntry> index,
        ConcurrentDictionary<Guid, Guid> graphToScim, List<Func<CancellationToken, Task>> repairs)
    {
        var enabled = user.AccountEnabled != false;
        run.Progress(p => p.UsersCompared++);
        if (!index.TryGetValue(ScimUserShape.Fold(upn), out var entry))
        {
            if (inScope && enabled)
            {
                // Entra never provisions a disabled user; an enabled one in scope that ingestion lacks is created.
                run.Found(DriftKind.MissingUser, graphId);
                var body = ScimUserShape.CreateBody(user);
                repairs.Add(async ct =>
                {
                    if (await ingestion.CreateAsync(run.ProviderId, "Users", body, ct) is { } id)
                    {
                        graphToScim[graphId] = id;
                    }

                    run.Repaired(DriftKind.MissingUser);
                });
            }

            return;
        }

        entry.Seen = true;
        if (inScope)
        {
            graphToScim[graphId] = entry.Id;
        }

        if (!inScope || !enabled)
        {
            if (entry.Active)
            {
                run.Found(DriftKind.MissedDeactivation, graphId);
                repairs.Add(ct => run.Repaired(DriftKind.MissedDeactivation,
                    ingestion.PatchAsync(run.ProviderId, "Users", entry.Id, [ScimUserShape.ActiveOperation(false)], ct)));
            }

            return;
        }

        var values = ScimUserShape.Values(user);
        var differences = ScimUserShape.Differences(values, entry.Hashes);
        if (!entry.Active)
        {
            run.Found(DriftKind.MissedReactivation, graphId);
            var operations = ScimUserShape.UpdateOperations(values, entry.Hashes, differences, active: true);
            repairs.Add(ct => run.Repaired(DriftKind.MissedReactivation, ingestion.PatchAsync(run.ProviderId, "Users", entry.Id, operations, ct)));
        }
        else if (differences.Count > 0)
        {
            run.Found(DriftKind.AttributeDifference, graphId);
            var operations = ScimUserShape.UpdateOperations(values, entry.Hashes, differences, active: null);
            repairs.Add(ct => run.Repaired(DriftKind.AttributeDifference, ingestion.PatchAsync(run.ProviderId, "Users", entry.Id, operations, ct)));
        }
    }

    /// <summary>Groups in scope as (Graph id, ingestion id or null when not created: dry run), plus create/rename/delete.</summary>
    private async Task<List<(Guid GraphId, Guid? ScimId, bool Created)>> ReconcileGroupsAsync(
        GraphServiceClient graph, ProviderRun run, HashSet<Guid>? assigned, CancellationToken cancellationToken)
    {
        var existing = new List<IngestionGroup>();
        string? after = null;
        do
        {
            var page = await ingestion.GroupsAsync(run.ProviderId, after, cancellationToken);
            existing.AddRange(page.Items);
            after = page.Next;
        }
        while (after is not null);

        var byExternalId = existing.Where(g => g.ExternalId is not null).GroupBy(g => g.ExternalId!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var byName = existing.ToDictionary(g => ScimUserShape.Fold(g.DisplayName), StringComparer.Ordinal);
        var seen = new HashSet<Guid>();
        var inScope = new ConcurrentBag<(Guid GraphId, Guid? ScimId, bool Created)>();

        await ForEachPageAsync(
            await graph.Groups.GetAsync(r =>
            {
                r.QueryParameters.Select = ["id", "displayName"];
                r.QueryParameters.Top = 999;
            }, cancellationToken),
            page => page.Value,
            (link, ct) => graph.Groups.WithUrl(link).GetAsync(cancellationToken: ct),
            async page =>
            {
                var repairs = new List<Func<CancellationToken, Task>>();
                foreach (var group in page)
                {
                    if (!Guid.TryParse(group.Id, out var graphId) || group.DisplayName is not { Length: > 0 } name || (assigned is not null && !assigned.Contains(graphId)))
                    {
                        continue;
                    }

                    run.Progress(p => p.GroupsCompared++);
                    var match = byExternalId.GetValueOrDefault(group.Id!) ?? byName.GetValueOrDefault(ScimUserShape.Fold(name));
                    if (match is null)
                    {
                        run.Found(DriftKind.MissingGroup, graphId);
                        if (run.DryRun)
                        {
                            inScope.Add((graphId, null, true));
                            continue;
                        }

                        var body = new JsonObject
                        {
                            ["schemas"] = new JsonArray(ScimUserShape.GroupSchema),
                            ["externalId"] = group.Id,
                            ["displayName"] = name,
                            ["members"] = new JsonArray(),
                        };
                        repairs.Add(async ct =>
                        {
                            var id = await ingestion.CreateAsync(run.ProviderId, "Groups", body, ct)
                                ?? throw new IngestionException("ingestion answered 409 to POST Groups for a group it did not list");
                            inScope.Add((graphId, id, true));
                            run.Repaired(DriftKind.MissingGroup);
                        });
                        continue;
                    }

                    seen.Add(match.Id);
                    inScope.Add((graphId, match.Id, false));
                    var operations = new JsonArray();
                    if (!string.Equals(match.DisplayName, name, StringComparison.Ordinal))
                    {
                        operations.Add(new JsonObject { ["op"] = "Replace", ["path"] = "displayName", ["value"] = name });
                    }

                    if (!string.Equals(match.ExternalId, group.Id, StringComparison.OrdinalIgnoreCase))
                    {
                        operations.Add(new JsonObject { ["op"] = match.ExternalId is null ? "Add" : "Replace", ["path"] = "externalId", ["value"] = group.Id });
                    }

                    if (operations.Count > 0)
                    {
                        run.Found(DriftKind.AttributeDifference, graphId);
                        repairs.Add(ct => run.Repaired(DriftKind.AttributeDifference, ingestion.PatchAsync(run.ProviderId, "Groups", match.Id, operations, ct)));
                    }
                }

                await run.RepairAsync(repairs, cancellationToken);
            },
            cancellationToken);

        // In ingestion but no longer assigned or deleted in Graph: Entra deletes the group.
        var extra = new List<Func<CancellationToken, Task>>();
        foreach (var group in existing.Where(g => !seen.Contains(g.Id)))
        {
            run.Found(DriftKind.ExtraGroup, group.Id);
            extra.Add(ct => run.Repaired(DriftKind.ExtraGroup, ingestion.DeleteAsync(run.ProviderId, "Groups", group.Id, ct)));
        }

        await run.RepairAsync(extra, cancellationToken);
        return [.. inScope];
    }

    /// <summary>Group by group, a few groups at once; each group's repairs go in order, as Entra sends them.</summary>
    private Task ReconcileMembershipsAsync(
        GraphServiceClient graph, ProviderRun run, List<(Guid GraphId, Guid? ScimId, bool Created)> groups, AssignedScope? assigned,
        ConcurrentDictionary<Guid, Guid> graphToScim, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(groups, GraphParallelism(cancellationToken), async (group, ct) =>
        {
            await ReconcileMembersAsync(graph, run, group.GraphId, group.Created ? null : group.ScimId, group.ScimId, assigned, graphToScim, ct);
            await checkpoint(ct);
        });

    /// <summary>
    /// One group: Graph's members that ingestion knows (users Entra provisioned) against ingestion's user members
    /// (<paramref name="existing"/> is null for a group just created or missing), repaired in batches of 100.
    /// </summary>
    private async Task ReconcileMembersAsync(
        GraphServiceClient graph, ProviderRun run, Guid graphId, Guid? existing, Guid? target, AssignedScope? assigned,
        ConcurrentDictionary<Guid, Guid> graphToScim, CancellationToken cancellationToken)
    {
        var kept = assigned?.TakeMembers(graphId);
        var expected = await ExpectedMembersAsync(graph, graphId, kept, graphToScim, cancellationToken);
        var actual = new HashSet<Guid>();
        if (existing is { } id)
        {
            string? after = null;
            do
            {
                var page = await ingestion.MembersAsync(run.ProviderId, id, after, cancellationToken);
                actual.UnionWith(page.Items.Where(m => m.Type == "User").Select(m => m.Id));
                after = page.Next;
            }
            while (after is not null);
        }

        if (kept is not null && !expected.SetEquals(actual))
        {
            // The members kept since the scope expansion may be minutes old at a million users: a difference is
            // confirmed against Graph now, so that a change Entra pushed since is neither reported nor undone.
            expected = await ExpectedMembersAsync(graph, graphId, null, graphToScim, cancellationToken);
        }

        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        run.Progress(p => p.MembershipsCompared += expected.Count + extra.Count);
        if (missing.Count + extra.Count == 0)
        {
            return;
        }

        run.Found(DriftKind.MembershipDifference, graphId, missing.Count + extra.Count);
        if (run.DryRun || target is not { } group)
        {
            return;
        }

        foreach (var (op, members) in missing.Chunk(MemberBatch).Select(c => ("Add", c)).Concat(extra.Chunk(MemberBatch).Select(c => ("Remove", c))))
        {
            var operation = new JsonObject
            {
                ["op"] = op,
                ["path"] = "members",
                ["value"] = new JsonArray([.. members.Select(m => (JsonNode)new JsonObject { ["value"] = m.ToString() })]),
            };
            await run.Repaired(DriftKind.MembershipDifference,
                ingestion.PatchAsync(run.ProviderId, "Groups", group, [operation], cancellationToken), members.Length);
        }
    }

    /// <summary>The SCIM ids of a group's Graph members that ingestion knows: from <paramref name="kept"/> when given, else read from Graph.</summary>
    private static async Task<HashSet<Guid>> ExpectedMembersAsync(
        GraphServiceClient graph, Guid graphId, IEnumerable<Guid>? kept, ConcurrentDictionary<Guid, Guid> graphToScim, CancellationToken cancellationToken)
    {
        var expected = new HashSet<Guid>();
        void Expect(Guid member)
        {
            if (graphToScim.TryGetValue(member, out var scim))
            {
                expected.Add(scim);
            }
        }

        if (kept is not null)
        {
            foreach (var member in kept)
            {
                Expect(member);
            }
        }
        else
        {
            await ForEachMemberAsync(graph, graphId, Expect, cancellationToken);
        }

        return expected;
    }

    private static async Task ForEachMemberAsync(GraphServiceClient graph, Guid group, Action<Guid> onUser, CancellationToken cancellationToken)
    {
        var members = graph.Groups[group.ToString()].Members;
        await ForEachPageAsync(
            await members.GetAsync(r =>
            {
                r.QueryParameters.Select = ["id"];
                r.QueryParameters.Top = 999;
            }, cancellationToken),
            page => page.Value,
            (link, ct) => members.WithUrl(link).GetAsync(cancellationToken: ct),
            page =>
            {
                foreach (var member in page)
                {
                    if (member is User or { OdataType: null or "#microsoft.graph.user" } && Guid.TryParse(member.Id, out var id))
                    {
                        onUser(id);
                    }
                }

                return Task.CompletedTask;
            },
            cancellationToken);
    }

    /// <summary>Follows <c>@odata.nextLink</c> page after page; only the current page is held.</summary>
    private static async Task ForEachPageAsync<TPage, TItem>(
        TPage? first, Func<TPage, List<TItem>?> items, Func<string, CancellationToken, Task<TPage?>> next,
        Func<List<TItem>, Task> onPage, CancellationToken cancellationToken)
        where TPage : BaseCollectionPaginationCountResponse
    {
        var page = first;
        while (page is not null)
        {
            await onPage(items(page) ?? []);
            if (page.OdataNextLink is not { Length: > 0 } link)
            {
                return;
            }

            page = await next(link, cancellationToken);
        }
    }

    /// <summary>
    /// The assigned scope: users assigned directly or through an assigned group, the assigned groups, and each assigned
    /// group's members as indexes into the user list (read once, given back once for the membership comparison).
    /// </summary>
    private sealed class AssignedScope
    {
        private readonly Dictionary<Guid, int> _index = [];
        private readonly List<Guid> _users = [];
        private readonly ConcurrentDictionary<Guid, int[]> _members = new();

        public HashSet<Guid> Groups { get; } = [];

        public bool Contains(Guid user) => _index.ContainsKey(user);

        public void AddUser(Guid user) => IndexOf(user);

        public void AddMembers(Guid group, List<Guid> members)
        {
            var indexes = new int[members.Count];
            lock (_index)
            {
                for (var i = 0; i < indexes.Length; i++)
                {
                    indexes[i] = IndexOf(members[i]);
                }
            }

            _members[group] = indexes;
        }

        /// <summary>The group's members as read from Graph, or null when they were not read; each group's only once.</summary>
        public IEnumerable<Guid>? TakeMembers(Guid group) =>
            _members.TryRemove(group, out var indexes) ? indexes.Select(i => _users[i]) : null;

        private int IndexOf(Guid user)
        {
            if (!_index.TryGetValue(user, out var index))
            {
                _index[user] = index = _users.Count;
                _users.Add(user);
            }

            return index;
        }
    }

    private sealed class UserEntry(Guid id, bool active, int[] hashes)
    {
        public Guid Id => id;
        public bool Active => active;
        public int[] Hashes => hashes;
        public bool Seen { get; set; }
    }
}

/// <summary>One provider's share of a run: findings and repairs go into the (shared, locked) report and the metrics.</summary>
internal sealed class ProviderRun(Guid providerId, bool dryRun, RunReport report, ReconciliationMetrics metrics, int concurrency)
{
    public Guid ProviderId => providerId;
    public bool DryRun => dryRun;

    public void Progress(Action<RunProgress> update)
    {
        lock (report)
        {
            update(report.Progress);
        }
    }

    public void Found(string kind, Guid exampleId, long count = 1)
    {
        lock (report)
        {
            var drift = Drift(kind);
            drift.Found += count;
            if (drift.Examples.Count < RunReport.MaxExamples)
            {
                drift.Examples.Add(exampleId.ToString());
            }
        }

        metrics.DriftFound(kind, count);
    }

    public void Repaired(string kind, long count = 1)
    {
        lock (report)
        {
            Drift(kind).Repaired += count;
        }

        metrics.DriftRepaired(kind, count);
    }

    public async Task Repaired(string kind, Task repair, long count = 1)
    {
        await repair;
        Repaired(kind, count);
    }

    /// <summary>Applies a page's repairs, a few at a time (nothing in a dry run). The first failure fails the run.</summary>
    public async Task RepairAsync(List<Func<CancellationToken, Task>> repairs, CancellationToken cancellationToken)
    {
        if (dryRun || repairs.Count == 0)
        {
            return;
        }

        await Parallel.ForEachAsync(repairs, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (repair, ct) => await repair(ct));
    }

    private DriftCount Drift(string kind)
    {
        if (!report.Drift.TryGetValue(kind, out var drift))
        {
            report.Drift[kind] = drift = new DriftCount();
        }

        return drift;
    }
}
