using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bifrost.Reconciliation.Graph;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Serialization;

namespace Bifrost.Reconciliation.Services;

/// <summary>
/// One provider's comparison of Microsoft Graph with ingestion, and its repair. Graph is streamed page by page, and
/// what the run needs to remember across pages (ingestion's users and groups, the Graph→SCIM id map, the assigned scope
/// and its members) lives in the run's <see cref="ReconciliationStage"/> in PostgreSQL, so the run holds a page, or one
/// group's members, whatever the size of the directory. Repairs are the SCIM requests Entra would send, through
/// ingestion, so the normal events flow.
/// </summary>
public sealed class Reconciler(
    GraphClients graphClients, IngestionClient ingestion, ReconciliationDbContext db, IOptions<ReconciliationOptions> options, ReconciliationMetrics metrics)
{
    private const int MemberBatch = 100;
    private const int AssignedBatchMembers = 10_000;

    public async Task RunAsync(Guid runId, GraphProvider provider, bool dryRun, RunReport report, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken)
    {
        var scope = options.Value.ScopeOf(provider.ProviderId);
        var graph = graphClients.Create(provider.Credentials);
        await using var stage = await ReconciliationStage.OpenAsync(db, runId, provider.ProviderId, cancellationToken);
        var run = new ProviderRun(provider.ProviderId, dryRun, report, metrics, options.Value.RepairConcurrency, stage);

        if (!scope.All)
        {
            await run.PhaseAsync("assignments", () => AssignmentsAsync(graph, stage, scope.ServicePrincipalId!.Value, cancellationToken));
        }

        await run.PhaseAsync("users", () => ReconcileUsersAsync(graph, run, scoped: !scope.All, checkpoint, cancellationToken));
        await run.PhaseAsync("groups", () => ReconcileGroupsAsync(graph, run, scoped: !scope.All, cancellationToken));
        await checkpoint(cancellationToken);
        await stage.AnalyzeAsync(cancellationToken);
        await run.PhaseAsync("memberships", () => ReconcileMembershipsAsync(graph, run, scoped: !scope.All, checkpoint, cancellationToken));
        run.Progress(p => p.Phase = null);
        await checkpoint(cancellationToken);
    }

    /// <summary>
    /// Users and groups assigned to the enterprise app, directly or (users) as members of an assigned group, into the
    /// stage. Each assigned group's members are read here once; the membership comparison reads them from the stage.
    /// </summary>
    private async Task AssignmentsAsync(GraphServiceClient graph, ReconciliationStage stage, Guid servicePrincipal, CancellationToken cancellationToken)
    {
        var assignments = graph.ServicePrincipals[servicePrincipal.ToString()].AppRoleAssignedTo;
        await graph.ForEachPageAsync<GraphAssignment>(
            assignments.ToGetRequestInformation(r =>
            {
                r.QueryParameters.Select = ["principalId", "principalType"];
                r.QueryParameters.Top = 999;
            }),
            link => assignments.WithUrl(link).ToGetRequestInformation(),
            page => stage.AssignAsync([.. page.Where(a => a.PrincipalId is not null).Select(a => (a.PrincipalId!.Value, a.IsGroup))], cancellationToken),
            cancellationToken);

        // One Graph request per assigned group: a few in flight at once (the SDK's retry handler honours 429s). The
        // groups' members are staged in batches of about AssignedBatchMembers ids, several groups per statement.
        var batch = new List<(Guid Group, Guid[] Members)>();
        var batched = 0;
        async Task FlushAsync(int atLeast, CancellationToken ct)
        {
            List<(Guid Group, Guid[] Members)> full;
            lock (batch)
            {
                if (batched < atLeast || batch.Count == 0)
                {
                    return;
                }

                full = [.. batch];
                batch.Clear();
                batched = 0;
            }

            await stage.AddAssignedMembersAsync(full, ct);
        }

        await Parallel.ForEachAsync(stage.AssignedGroupsAsync(cancellationToken), GraphParallelism(cancellationToken), async (group, ct) =>
        {
            var members = new HashSet<Guid>();
            await ForEachMemberPageAsync(graph, group, ids =>
            {
                members.UnionWith(ids);
                return Task.CompletedTask;
            }, ct);
            lock (batch)
            {
                batch.Add((group, [.. members]));
                batched += members.Count + 1;
            }

            await FlushAsync(AssignedBatchMembers, ct);
        });
        await FlushAsync(0, cancellationToken);
        await stage.ExpandAssignedUsersAsync(cancellationToken);
    }

    private ParallelOptions GraphParallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = options.Value.GraphConcurrency, CancellationToken = cancellationToken };

    private async Task ReconcileUsersAsync(
        GraphServiceClient graph, ProviderRun run, bool scoped, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken)
    {
        // Ingestion's users, compactly, keyed by userName (Entra's matching attribute).
        string? after = null;
        do
        {
            var page = await ingestion.UsersAsync(run.ProviderId, after, cancellationToken);
            var users = new List<StagedUser>(page.Items.Count);
            foreach (var user in page.Items)
            {
                if (user.Resource["userName"]?.GetValue<string>() is { } userName)
                {
                    users.Add(new StagedUser(user.Id, ScimUserShape.UserKey(userName), user.Active, ScimUserShape.Hashes(user.Resource)));
                }
            }

            await run.Stage.AddUsersAsync(users, cancellationToken);
            after = page.Next;
        }
        while (after is not null);

        await run.Stage.AnalyzeAsync(cancellationToken);
        await graph.ForEachPageAsync<GraphUser>(
            graph.Users.ToGetRequestInformation(r =>
            {
                r.QueryParameters.Select = ScimUserShape.GraphSelect;
                r.QueryParameters.Top = 999;
            }),
            link => graph.Users.WithUrl(link).ToGetRequestInformation(),
            async page =>
            {
                var users = new List<(GraphUser User, Guid GraphId, Guid Key)>(page.Count);
                foreach (var user in page)
                {
                    if (Guid.TryParse(user.Id, out var graphId) && user.UserPrincipalName is { Length: > 0 } upn)
                    {
                        users.Add((user, graphId, ScimUserShape.UserKey(upn)));
                    }
                }

                var ingested = await run.Stage.TakeUsersAsync([.. users.Select(u => u.Key).Distinct()], cancellationToken);
                var assigned = scoped ? await run.Stage.AssignedUsersAsync([.. users.Select(u => u.GraphId)], cancellationToken) : null;
                var mapped = new ConcurrentDictionary<Guid, Guid>();
                var repairs = new List<Func<CancellationToken, Task>>();
                foreach (var (user, graphId, key) in users)
                {
                    CompareUser(run, user, graphId, assigned is null || assigned.Contains(graphId), ingested.GetValueOrDefault(key), mapped, repairs);
                }

                await run.RepairAsync(repairs, cancellationToken);
                await run.Stage.MapUsersAsync(mapped, cancellationToken);
                await checkpoint(cancellationToken);
            },
            cancellationToken);

        // Active in ingestion but gone from Graph (deleted): Entra disables them.
        await run.RepairEachAsync(run.Stage.UnseenActiveUsersAsync(cancellationToken), id =>
        {
            run.Found(DriftKind.MissedDeactivation, id);
            return ct => run.Repaired(DriftKind.MissedDeactivation,
                ingestion.PatchAsync(run.ProviderId, "Users", id, [ScimUserShape.ActiveOperation(false)], ct));
        }, cancellationToken);
    }

    private void CompareUser(
        ProviderRun run, GraphUser user, Guid graphId, bool inScope, StagedUser? entry,
        ConcurrentDictionary<Guid, Guid> graphToScim, List<Func<CancellationToken, Task>> repairs)
    {
        var enabled = user.AccountEnabled != false;
        run.Progress(p => p.UsersCompared++);
        if (entry is null)
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

    /// <summary>Groups in scope into the stage as (Graph id, ingestion id or null when not created: dry run), plus create/rename/delete.</summary>
    private async Task ReconcileGroupsAsync(GraphServiceClient graph, ProviderRun run, bool scoped, CancellationToken cancellationToken)
    {
        string? after = null;
        do
        {
            var page = await ingestion.GroupsAsync(run.ProviderId, after, cancellationToken);
            await run.Stage.AddGroupsAsync(page.Items, cancellationToken);
            after = page.Next;
        }
        while (after is not null);

        await run.Stage.AnalyzeAsync(cancellationToken);
        await graph.ForEachPageAsync<GraphGroup>(
            graph.Groups.ToGetRequestInformation(r =>
            {
                r.QueryParameters.Select = ["id", "displayName"];
                r.QueryParameters.Top = 999;
            }),
            link => graph.Groups.WithUrl(link).ToGetRequestInformation(),
            async page =>
            {
                var groups = new List<(Guid GraphId, string ExternalId, string Name)>(page.Count);
                foreach (var group in page)
                {
                    if (Guid.TryParse(group.Id, out var graphId) && group.DisplayName is { Length: > 0 } name)
                    {
                        groups.Add((graphId, group.Id!, name));
                    }
                }

                if (scoped)
                {
                    var assigned = await run.Stage.AssignedGroupsAsync([.. groups.Select(g => g.GraphId)], cancellationToken);
                    groups.RemoveAll(g => !assigned.Contains(g.GraphId));
                }

                var existing = await run.Stage.FindGroupsAsync(
                    [.. groups.Select(g => g.ExternalId)], [.. groups.Select(g => ScimUserShape.Fold(g.Name)).Distinct()], cancellationToken);
                var byExternalId = new Dictionary<string, IngestionGroup>(StringComparer.OrdinalIgnoreCase);
                var byName = new Dictionary<string, IngestionGroup>(StringComparer.Ordinal);
                foreach (var group in existing)
                {
                    if (group.ExternalId is not null)
                    {
                        byExternalId.TryAdd(group.ExternalId, group);
                    }

                    byName.TryAdd(ScimUserShape.Fold(group.DisplayName), group);
                }

                var inScope = new ConcurrentBag<ScopeGroup>();
                var seen = new List<Guid>();
                var repairs = new List<Func<CancellationToken, Task>>();
                foreach (var (graphId, externalId, name) in groups)
                {
                    run.Progress(p => p.GroupsCompared++);
                    var match = byExternalId.GetValueOrDefault(externalId) ?? byName.GetValueOrDefault(ScimUserShape.Fold(name));
                    if (match is null)
                    {
                        run.Found(DriftKind.MissingGroup, graphId);
                        if (run.DryRun)
                        {
                            inScope.Add(new ScopeGroup(graphId, null, true));
                            continue;
                        }

                        var body = new JsonObject
                        {
                            ["schemas"] = new JsonArray(ScimUserShape.GroupSchema),
                            ["externalId"] = externalId,
                            ["displayName"] = name,
                            ["members"] = new JsonArray(),
                        };
                        repairs.Add(async ct =>
                        {
                            var id = await ingestion.CreateAsync(run.ProviderId, "Groups", body, ct)
                                ?? throw new IngestionException("ingestion answered 409 to POST Groups for a group it did not list");
                            inScope.Add(new ScopeGroup(graphId, id, true));
                            run.Repaired(DriftKind.MissingGroup);
                        });
                        continue;
                    }

                    seen.Add(match.Id);
                    inScope.Add(new ScopeGroup(graphId, match.Id, false));
                    var operations = new JsonArray();
                    if (!string.Equals(match.DisplayName, name, StringComparison.Ordinal))
                    {
                        operations.Add(new JsonObject { ["op"] = "Replace", ["path"] = "displayName", ["value"] = name });
                    }

                    if (!string.Equals(match.ExternalId, externalId, StringComparison.OrdinalIgnoreCase))
                    {
                        operations.Add(new JsonObject { ["op"] = match.ExternalId is null ? "Add" : "Replace", ["path"] = "externalId", ["value"] = externalId });
                    }

                    if (operations.Count > 0)
                    {
                        run.Found(DriftKind.AttributeDifference, graphId);
                        repairs.Add(ct => run.Repaired(DriftKind.AttributeDifference, ingestion.PatchAsync(run.ProviderId, "Groups", match.Id, operations, ct)));
                    }
                }

                await run.Stage.MarkGroupsSeenAsync([.. seen], cancellationToken);
                await run.RepairAsync(repairs, cancellationToken);
                await run.Stage.AddScopeGroupsAsync([.. inScope], cancellationToken);
            },
            cancellationToken);

        // In ingestion but no longer assigned or deleted in Graph: Entra deletes the group.
        await run.RepairEachAsync(run.Stage.UnseenGroupsAsync(cancellationToken), id =>
        {
            run.Found(DriftKind.ExtraGroup, id);
            return ct => run.Repaired(DriftKind.ExtraGroup, ingestion.DeleteAsync(run.ProviderId, "Groups", id, ct));
        }, cancellationToken);
    }

    /// <summary>Group by group, a few groups at once; each group's repairs go in order, as Entra sends them.</summary>
    private Task ReconcileMembershipsAsync(
        GraphServiceClient graph, ProviderRun run, bool scoped, Func<CancellationToken, Task> checkpoint, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(run.Stage.ScopeGroupsAsync(cancellationToken), GraphParallelism(cancellationToken), async (group, ct) =>
        {
            await ReconcileMembersAsync(graph, run, group.GraphId, group.Created ? null : group.ScimId, group.ScimId, scoped, ct);
            await checkpoint(ct);
        });

    /// <summary>
    /// One group: Graph's members that ingestion knows (users Entra provisioned) against ingestion's user members
    /// (<paramref name="existing"/> is null for a group just created or missing), repaired in batches of 100.
    /// </summary>
    private async Task ReconcileMembersAsync(
        GraphServiceClient graph, ProviderRun run, Guid graphId, Guid? existing, Guid? target, bool scoped, CancellationToken cancellationToken)
    {
        // In the assigned scope, the group's members were read from Graph during the scope expansion.
        var expected = scoped
            ? await run.Stage.AssignedMembersAsync(graphId, cancellationToken)
            : await GraphMembersAsync(graph, run.Stage, graphId, cancellationToken);
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

        if (scoped && !expected.SetEquals(actual))
        {
            // The members read during the scope expansion may be minutes old at a million users: a difference is
            // confirmed against Graph now, so that a change Entra pushed since is neither reported nor undone.
            expected = await GraphMembersAsync(graph, run.Stage, graphId, cancellationToken);
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

    /// <summary>The SCIM ids of a group's Graph members that ingestion knows, read from Graph page by page.</summary>
    private static async Task<HashSet<Guid>> GraphMembersAsync(GraphServiceClient graph, ReconciliationStage stage, Guid graphId, CancellationToken cancellationToken)
    {
        var expected = new HashSet<Guid>();
        await ForEachMemberPageAsync(graph, graphId, ids => stage.AddMappedAsync(ids, expected, cancellationToken), cancellationToken);
        return expected;
    }

    /// <summary>A group's user members in Graph, a page of ids at a time.</summary>
    private static Task ForEachMemberPageAsync(GraphServiceClient graph, Guid group, Func<Guid[], Task> onPage, CancellationToken cancellationToken)
    {
        var members = graph.Groups[group.ToString()].Members;
        return graph.ForEachPageAsync<GraphMember>(
            members.ToGetRequestInformation(r =>
            {
                r.QueryParameters.Select = ["id"];
                r.QueryParameters.Top = 999;
            }),
            link => members.WithUrl(link).ToGetRequestInformation(),
            page => onPage([.. page.Select(m => m.UserId).OfType<Guid>()]),
            cancellationToken);
    }
}

/// <summary>One provider's share of a run: findings and repairs go into the (shared, locked) report and the metrics.</summary>
internal sealed class ProviderRun(Guid providerId, bool dryRun, RunReport report, ReconciliationMetrics metrics, int concurrency, ReconciliationStage stage)
{
    private const int RepairPage = 1000;

    public Guid ProviderId => providerId;
    public bool DryRun => dryRun;
    public ReconciliationStage Stage => stage;

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

    /// <summary>Runs one phase of the comparison: shown in the progress while it runs, timed, and traced as a span of its own.</summary>
    public async Task PhaseAsync(string phase, Func<Task> run)
    {
        using var activity = ReconciliationMetrics.ActivitySource.StartActivity($"reconciliation {phase}");
        Progress(p => p.Phase = phase);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await run();
        }
        finally
        {
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            Progress(p => p.PhaseSeconds[phase] = Math.Round(p.PhaseSeconds.GetValueOrDefault(phase) + seconds, 2));
        }
    }

    /// <summary>A repair per streamed id (found as it is read), applied a page at a time.</summary>
    public async Task RepairEachAsync(IAsyncEnumerable<Guid> ids, Func<Guid, Func<CancellationToken, Task>> repair, CancellationToken cancellationToken)
    {
        var repairs = new List<Func<CancellationToken, Task>>();
        await foreach (var id in ids.WithCancellation(cancellationToken))
        {
            repairs.Add(repair(id));
            if (repairs.Count == RepairPage)
            {
                await RepairAsync(repairs, cancellationToken);
                repairs.Clear();
            }
        }

        await RepairAsync(repairs, cancellationToken);
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
