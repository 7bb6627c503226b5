using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Testing;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bifrost.Reconciliation.FunctionalTests;

/// <summary>
/// Runs against the real Graph emulator and real ingestion (PostgreSQL): every drift kind found and repaired through
/// ingestion's SCIM API (events published), dry runs that change nothing, the schedule on a fake clock, throttling.
/// Each test reconciles a provider of its own (ingestion state apart); tests in this class run one after the other,
/// so a test's emulator mutations happen between its own runs.
/// </summary>
public sealed class ReconciliationRunTests(ReconciliationFixture fixture) : IClassFixture<ReconciliationFixture>
{
    private static readonly Guid[] P = ReconciliationServer.ConfiguredProviders;

    [Fact]
    public async Task First_run_creates_every_user_group_and_membership_and_a_second_run_finds_no_drift()
    {
        var provider = P[0];
        fixture.Providers.Add(provider);
        var directory = fixture.Emulator.Directory;
        var enabled = Enumerable.Range(0, SmallGraphEmulator.Users).Where(i => directory.IsUserInScope(i) && directory.User(i)!.AccountEnabled).ToList();
        var groups = Enumerable.Range(0, SmallGraphEmulator.Groups).Where(directory.IsGroupInScope).ToList();
        Assert.Contains(enabled, i => !directory.Options.IsAssigned(i)); // in scope through an assigned group only
        Assert.True(groups.Count < SmallGraphEmulator.Groups, "some groups are not assigned to the app and stay out");
        var memberships = groups.Sum(g => directory.Members(g).Count(enabled.Contains));

        var run = await fixture.RunAsync(provider);

        Assert.Equal(enabled.Count, Found(run, "missingUser"));
        Assert.Equal(enabled.Count, Repaired(run, "missingUser"));
        Assert.Equal(groups.Count, Found(run, "missingGroup"));
        Assert.Equal(memberships, Found(run, "membershipDifference"));
        Assert.Equal(memberships, Repaired(run, "membershipDifference"));
        Assert.InRange(run["drift"]!["missingUser"]!["examples"]!.AsArray().Count, 1, 20);
        Assert.Equal(SmallGraphEmulator.Users - SkippedDeleted(), (long)run["progress"]!["usersCompared"]!);
        Assert.Equal(provider.ToString(), (string?)run["providers"]![0]);

        var (users, active, groupRows, members) = await CountsAsync(provider);
        Assert.Equal(enabled.Count, users);
        Assert.Equal(enabled.Count, active);
        Assert.Equal(groups.Count, groupRows);
        Assert.Equal(memberships, members);
        var sample = directory.User(enabled[0])!;
        await PublishedAsync<ScimUserProvisioned>(e => e.ProviderId == provider && e.User.UserName == sample.UserPrincipalName);

        var second = await fixture.RunAsync(provider);
        Assert.Empty(second["drift"]!.AsObject());
        Assert.Equal(memberships, (long)second["progress"]!["membershipsCompared"]!);
    }

    [Fact]
    public async Task With_scope_all_every_enabled_user_every_group_and_their_memberships_are_reconciled()
    {
        var provider = ReconciliationServer.AllScopeProvider;
        fixture.Providers.Add(provider);
        var directory = fixture.Emulator.Directory;
        var enabled = Enumerable.Range(0, SmallGraphEmulator.Users).Where(i => directory.User(i) is { AccountEnabled: true }).ToList();
        Assert.Contains(enabled, i => !directory.IsUserInScope(i)); // beyond the enterprise app's assignments
        var memberships = Enumerable.Range(0, SmallGraphEmulator.Groups).Sum(g => directory.Members(g).Count(enabled.Contains));

        var run = await fixture.RunAsync(provider);

        Assert.Equal(enabled.Count, Repaired(run, "missingUser"));
        Assert.Equal(SmallGraphEmulator.Groups, Repaired(run, "missingGroup"));
        Assert.Equal(memberships, Repaired(run, "membershipDifference"));
        var (users, active, groupRows, members) = await CountsAsync(provider);
        Assert.Equal((enabled.Count, enabled.Count, SmallGraphEmulator.Groups, memberships), (users, active, groupRows, members));

        // Graph's members read per group (no scope expansion to keep them from): a removal and an addition are found.
        var removed = directory.Members(0).First(enabled.Contains);
        var added = enabled.First(i => !directory.Members(0).Contains(i));
        await fixture.Emulator.MutateAsync(
            new { op = "removeMember", groupIndex = 0, userIndex = removed },
            new { op = "addMember", groupIndex = 0, userIndex = added });
        var second = await fixture.RunAsync(provider);
        Assert.Equal(2, Found(second, "membershipDifference"));
        Assert.Equal(2, Repaired(second, "membershipDifference"));
        Assert.Single(second["drift"]!.AsObject());
        Assert.False(await MemberAsync(provider, 0, removed));
        Assert.True(await MemberAsync(provider, 0, added));
        Assert.Empty((await fixture.RunAsync(provider, dryRun: true))["drift"]!.AsObject());
    }

    [Fact]
    public async Task Every_drift_kind_is_found_and_repaired_through_ingestion()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = P[1];
        fixture.Providers.Add(provider);
        await fixture.RunAsync(provider);
        var directory = fixture.Emulator.Directory;
        using var scim = fixture.ScimClient(provider);

        // Drift in Graph (changes Entra's SCIM push missed) ...
        await fixture.Emulator.MutateAsync(
            new { op = "setAttribute", userIndex = 3, attribute = "department", value = "Quantum Research" },
            new { op = "disableUser", userIndex = 7 },
            new { op = "deleteUser", userIndex = 8 },
            new { op = "renameGroup", groupIndex = 2, value = "Renamed Group Two" },
            new { op = "removeMember", groupIndex = 1, userIndex = 1 },
            new { op = "addMember", groupIndex = 5, userIndex = 13 });
        // ... and in ingestion (requests lost or made behind Entra's back).
        var user8 = await UserIdAsync(provider, 8);
        var user20 = await UserIdAsync(provider, 20);
        Assert.Equal(HttpStatusCode.NoContent, (await scim.DeleteAsync($"/scim/v2/Users/{user20}", ct)).StatusCode);
        var group4 = await GroupIdAsync(provider, 4);
        Assert.Equal(HttpStatusCode.NoContent, (await scim.DeleteAsync($"/scim/v2/Groups/{group4}", ct)).StatusCode);
        var user30 = await UserIdAsync(provider, 30);
        Assert.Equal(HttpStatusCode.OK, (await scim.PatchAsync($"/scim/v2/Users/{user30}", Scim("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}"""), ct)).StatusCode);
        var stale = await scim.PostAsync("/scim/v2/Groups", Scim("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Stale Group"}"""), ct);
        Assert.Equal(HttpStatusCode.Created, stale.StatusCode);
        var staleId = Guid.Parse((string)(await stale.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!);

        var run = await fixture.RunAsync(provider);

        Assert.Equal(1, Found(run, "missingUser"));
        Assert.Contains(directory.UserId(20).ToString(), Examples(run, "missingUser"));
        Assert.Equal(1, Found(run, "missingGroup"));
        Assert.Contains(directory.GroupId(4).ToString(), Examples(run, "missingGroup"));
        Assert.Equal(2, Found(run, "attributeDifference"));
        Assert.Contains(directory.UserId(3).ToString(), Examples(run, "attributeDifference"));
        Assert.Contains(directory.GroupId(2).ToString(), Examples(run, "attributeDifference"));
        Assert.Equal(2, Found(run, "missedDeactivation"));
        Assert.Contains(directory.UserId(7).ToString(), Examples(run, "missedDeactivation"));
        Assert.Contains(user8.ToString(), Examples(run, "missedDeactivation")); // gone from Graph: ingestion's id
        Assert.Equal(1, Found(run, "missedReactivation"));
        Assert.Equal(1, Found(run, "extraGroup"));
        Assert.Contains(staleId.ToString(), Examples(run, "extraGroup"));
        // (1,1) extra, (5,13) missing, all of group 4 (re-created), user 20 (re-created) in groups 8 and 1, user 8 (deleted) in groups 8 and 0.
        var group4Members = directory.Members(4).Count(i => directory.User(i)!.AccountEnabled); // the provisioned ones
        Assert.Equal(1 + 1 + group4Members + 2 + 2, Found(run, "membershipDifference"));
        foreach (var kind in run["drift"]!.AsObject())
        {
            Assert.True(Found(run, kind.Key) == Repaired(run, kind.Key), $"{kind.Key}: found {Found(run, kind.Key)}, repaired {Repaired(run, kind.Key)}");
        }

        // Ingestion's state now matches Graph, and the normal events were published.
        var user3 = await GetAsync(scim, $"/scim/v2/Users/{await UserIdAsync(provider, 3)}");
        Assert.Equal("Quantum Research", (string?)user3["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["department"]);
        var user7 = await UserIdAsync(provider, 7);
        Assert.False((bool)(await GetAsync(scim, $"/scim/v2/Users/{user7}"))["active"]!);
        Assert.False((bool)(await GetAsync(scim, $"/scim/v2/Users/{user8}"))["active"]!);
        Assert.True((bool)(await GetAsync(scim, $"/scim/v2/Users/{user30}"))["active"]!);
        var recreated = await UserIdAsync(provider, 20);
        Assert.NotEqual(user20, recreated);
        Assert.Equal("Renamed Group Two", (string?)(await GetAsync(scim, $"/scim/v2/Groups/{await GroupIdAsync(provider, 2)}"))["displayName"]);
        Assert.Equal(HttpStatusCode.NotFound, (await scim.GetAsync($"/scim/v2/Groups/{staleId}", ct)).StatusCode);
        var newGroup4 = await GroupIdAsync(provider, 4);
        Assert.Equal(group4Members, await fixture.Ingestion.WithDbAsync(db => db.GroupMembers.CountAsync(m => m.GroupId == newGroup4, ct)));
        Assert.True(await MemberAsync(provider, 5, 13));
        Assert.False(await MemberAsync(provider, 1, 1));
        await PublishedAsync<ScimUserDeactivated>(e => e.UserId == user7);
        await PublishedAsync<ScimUserReactivated>(e => e.UserId == user30);
        await PublishedAsync<ScimGroupRenamed>(e => e.ProviderId == provider);
        await PublishedAsync<ScimGroupDeleted>(e => e.GroupId == staleId);

        var again = await fixture.RunAsync(provider);
        Assert.Empty(again["drift"]!.AsObject());
    }

    [Fact]
    public async Task Dry_run_reports_drift_and_changes_nothing_in_ingestion()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = P[2];
        fixture.Providers.Add(provider);
        await fixture.RunAsync(provider);
        await fixture.Emulator.MutateAsync(new { op = "setAttribute", userIndex = 40, attribute = "jobTitle", value = "Chief Dry Runner" });
        using var scim = fixture.ScimClient(provider);
        Assert.Equal(HttpStatusCode.NoContent, (await scim.DeleteAsync($"/scim/v2/Users/{await UserIdAsync(provider, 41)}", ct)).StatusCode);
        await Eventually.WaitAsync(() => OutboxAsync(), n => n == 0, TimeSpan.FromSeconds(30), "ingestion's outbox drained");
        var before = await StateAsync(provider);

        var run = await fixture.RunAsync(provider, dryRun: true);

        Assert.True((bool)run["dryRun"]!);
        Assert.Equal(1, Found(run, "attributeDifference"));
        Assert.Equal(1, Found(run, "missingUser"));
        Assert.All(run["drift"]!.AsObject(), kind => Assert.Equal(0, Repaired(run, kind.Key)));
        Assert.Equal(before, await StateAsync(provider));
        Assert.Equal(0, await OutboxAsync());

        var repair = await fixture.RunAsync(provider);
        Assert.Equal(1, Repaired(repair, "attributeDifference"));
        Assert.Equal(1, Repaired(repair, "missingUser"));
        Assert.NotEqual(before, await StateAsync(provider));
    }

    [Fact]
    public async Task Schedule_starts_a_run_when_the_interval_elapses_on_the_injected_clock()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = P[3];
        fixture.Providers.Add(provider);
        using var client = fixture.AdminClient("viewer");
        var before = await ScheduledAsync(client);

        Assert.Equal(before, await ScheduledAsync(client)); // nothing happens while the clock stands still
        fixture.Time.Advance(TimeSpan.FromHours(1));
        var scheduled = await Eventually.WaitAsync(
            async () => (await client.GetFromJsonAsync<JsonObject>("/api/reconciliation/runs?limit=100", ct))!["items"]!.AsArray()
                .Select(r => r!.AsObject()).Where(r => (string?)r["trigger"] == "schedule").ToList(),
            runs => runs.Count > before,
            TimeSpan.FromSeconds(30),
            "the interval elapsed and a scheduled run started");

        var run = await fixture.WaitForRunAsync(Guid.Parse((string)scheduled[0]["id"]!));
        Assert.Null((string?)run["providerId"]);
        Assert.Contains(provider.ToString(), run["providers"]!.AsArray().Select(p => (string?)p));
        Assert.True((string?)run["status"] == "completed", (string?)run["error"]);
        Assert.True(await fixture.Ingestion.WithDbAsync(db => db.Users.AnyAsync(u => u.ProviderId == provider, ct)));
    }

    [Fact]
    public async Task Graph_throttling_with_retry_after_is_survived()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = P[4];
        fixture.Providers.Add(provider);
        using var admin = fixture.Emulator.CreateClient();
        (await admin.PostAsJsonAsync("/admin/throttle", new { requests = 2, retryAfterSeconds = 1 }, ct)).EnsureSuccessStatusCode();
        var clock = Stopwatch.StartNew();

        var run = await fixture.RunAsync(provider, dryRun: true);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"two 429s with Retry-After: 1 were waited out ({clock.Elapsed})");
        Assert.True(Found(run, "missingUser") > 0);
    }

    [Fact]
    public async Task A_second_run_for_a_provider_that_is_running_returns_409_with_the_running_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = P[5];
        fixture.Providers.Add(provider);
        using var emulatorAdmin = fixture.Emulator.CreateClient();
        (await emulatorAdmin.PostAsJsonAsync("/admin/throttle", new { requests = 1, retryAfterSeconds = 3 }, ct)).EnsureSuccessStatusCode();
        using var client = fixture.AdminClient();

        var first = await client.PostAsJsonAsync("/api/reconciliation/runs", new { providerId = provider, dryRun = true }, ct);
        var second = await client.PostAsJsonAsync("/api/reconciliation/runs", new { providerId = provider, dryRun = false }, ct);
        var all = await client.PostAsJsonAsync("/api/reconciliation/runs", new { dryRun = true }, ct);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var id = (string?)(await first.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"];
        Assert.Equal($"/api/reconciliation/runs/{id}", first.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(id, (string?)(await second.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]);
        Assert.Equal(HttpStatusCode.Conflict, all.StatusCode);
        Assert.Equal("completed", (string?)(await fixture.WaitForRunAsync(Guid.Parse(id!)))["status"]);
        Assert.Equal(1, await fixture.Reconciliation.WithDbAsync(db => db.Runs.CountAsync(r => r.ProviderId == provider, ct)));
    }

    [Fact]
    public async Task A_run_that_cannot_complete_reports_failed_with_the_reason()
    {
        var unconfigured = Guid.Parse("0000dead-0000-4000-8000-00000000ec01");
        var badSecret = P[6];
        fixture.Providers.Add(unconfigured);
        fixture.Providers.Add(badSecret, secret: "wrong-secret");
        try
        {
            var noScope = await fixture.RunAsync(unconfigured, expectedStatus: "failed");
            Assert.Contains("ServicePrincipalId", (string?)noScope["error"]);
            Assert.NotNull(noScope["completedAt"]);

            var denied = await fixture.RunAsync(badSecret, expectedStatus: "failed");
            Assert.Contains("token endpoint answered 401", (string?)denied["error"]);
            Assert.DoesNotContain("wrong-secret", denied.ToJsonString());
        }
        finally
        {
            fixture.Providers.Remove(unconfigured);
            fixture.Providers.Remove(badSecret);
        }
    }

    [Fact]
    public async Task Runs_api_checks_role_and_input_and_lists_latest_first()
    {
        var ct = TestContext.Current.CancellationToken;
        using var viewer = fixture.AdminClient("viewer");
        using var admin = fixture.AdminClient();

        var forbidden = await viewer.PostAsJsonAsync("/api/reconciliation/runs", new { dryRun = true }, ct);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var unknown = await admin.PostAsJsonAsync("/api/reconciliation/runs", new { providerId = Guid.NewGuid(), dryRun = true }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.NotNull((await unknown.Content.ReadFromJsonAsync<JsonObject>(ct))!["errors"]!["providerId"]);
        var malformed = await admin.PostAsync("/api/reconciliation/runs", new StringContent("""{"dryRun":"maybe"}""", System.Text.Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/reconciliation/runs/{Guid.NewGuid()}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/reconciliation/runs?limit=0", ct)).StatusCode);
        Assert.Equal(0, await fixture.Reconciliation.WithDbAsync(db => db.Runs.CountAsync(r => r.Status == Model.RunStatus.Running, ct)));

        var provider = P[7];
        fixture.Providers.Add(provider);
        fixture.Time.Advance(TimeSpan.FromSeconds(1)); // the service's clock (fake here) orders the runs: after every other test's
        var older = await fixture.RunAsync(provider, dryRun: true);
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var newer = await fixture.RunAsync(provider, dryRun: true);
        var page = (await viewer.GetFromJsonAsync<JsonObject>("/api/reconciliation/runs?limit=1", ct))!;
        Assert.Equal((string?)newer["id"], (string?)Assert.Single(page["items"]!.AsArray())!["id"]);
        Assert.True((int)page["total"]! >= 2);
        var next = (await viewer.GetFromJsonAsync<JsonObject>("/api/reconciliation/runs?offset=1&limit=1", ct))!;
        Assert.Equal((string?)older["id"], (string?)next["items"]![0]!["id"]);
    }

    [Fact]
    public async Task A_run_deletes_its_working_set_and_a_restart_fails_interrupted_runs_and_sweeps_theirs()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = P[8];
        fixture.Providers.Add(provider);
        var run = await fixture.RunAsync(provider);
        Assert.True(Repaired(run, "missingUser") > 0);
        Assert.True(Repaired(run, "membershipDifference") > 0);
        Assert.Equal(0, await StagedRowsAsync()); // the run staged users, groups, the id map and the assigned scope: all gone

        // A run a previous process left running (started before this one), and one this process runs (started after).
        var interrupted = Guid.CreateVersion7();
        var current = Guid.CreateVersion7();
        var (deadStage, liveStage) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.Reconciliation.WithDbAsync(async db =>
        {
            db.Runs.Add(new Model.ReconciliationRun { Id = interrupted, ProviderId = provider, Trigger = Model.RunTrigger.Manual, Status = Model.RunStatus.Running, StartedAt = fixture.Time.GetUtcNow().AddDays(-30) });
            db.Runs.Add(new Model.ReconciliationRun { Id = current, ProviderId = provider, Trigger = Model.RunTrigger.Manual, Status = Model.RunStatus.Running, StartedAt = fixture.Time.GetUtcNow() });
            await db.SaveChangesAsync(ct);
            foreach (var (stage, runId) in new[] { (deadStage, interrupted), (liveStage, current) })
            {
                await db.Database.ExecuteSqlAsync($"INSERT INTO reconciliation.stages (id, run_id, provider_id) VALUES ({stage}, {runId}, {provider})", ct);
                await db.Database.ExecuteSqlAsync($"INSERT INTO reconciliation.stage_users (stage, id, user_key, active, hashes) VALUES ({stage}, {Guid.NewGuid()}, {Guid.NewGuid()}, true, {new byte[36]})", ct);
                await db.Database.ExecuteSqlAsync($"INSERT INTO reconciliation.stage_user_map (stage, graph_id, scim_id) VALUES ({stage}, {Guid.NewGuid()}, {Guid.NewGuid()})", ct);
            }
        });

        try
        {
            await fixture.Reconciliation.Services.GetRequiredService<Services.RunCoordinator>().FailInterruptedRunsAsync(ct);

            var (failed, running) = await fixture.Reconciliation.WithDbAsync(async db => (
                await db.Runs.SingleAsync(r => r.Id == interrupted, ct), await db.Runs.SingleAsync(r => r.Id == current, ct)));
            Assert.Equal(Model.RunStatus.Failed, failed.Status);
            Assert.StartsWith("interrupted", failed.Error);
            Assert.Equal(Model.RunStatus.Running, running.Status);
            Assert.Equal(0, await StagedRowsAsync(deadStage));
            Assert.Equal(3, await StagedRowsAsync(liveStage)); // a running run's working set is left alone
        }
        finally
        {
            await fixture.Reconciliation.WithDbAsync(async db =>
            {
                await db.Runs.Where(r => r.Id == current).ExecuteDeleteAsync(ct);
                await ReconciliationStageSweep(db);
            });
        }

        Assert.Equal(0, await StagedRowsAsync());
    }

    private static Task ReconciliationStageSweep(Infrastructure.ReconciliationDbContext db) =>
        Services.ReconciliationStage.SweepAsync(db, TestContext.Current.CancellationToken);

    /// <summary>Rows in the run working-set tables: of one stage, or all.</summary>
    private Task<long> StagedRowsAsync(Guid? stage = null)
    {
        var (all, id) = (stage is null, stage ?? Guid.Empty);
        return fixture.Reconciliation.WithDbAsync(db => db.Database.SqlQuery<long>($"""
            SELECT (SELECT count(*) FROM reconciliation.stages WHERE {all} OR id = {id})
                 + (SELECT count(*) FROM reconciliation.stage_users WHERE {all} OR stage = {id})
                 + (SELECT count(*) FROM reconciliation.stage_user_map WHERE {all} OR stage = {id})
                 + (SELECT count(*) FROM reconciliation.stage_groups WHERE {all} OR stage = {id})
                 + (SELECT count(*) FROM reconciliation.stage_scope_groups WHERE {all} OR stage = {id})
                 + (SELECT count(*) FROM reconciliation.stage_assigned WHERE {all} OR stage = {id})
                 + (SELECT count(*) FROM reconciliation.stage_group_members WHERE {all} OR stage = {id}) AS "Value"
            """).SingleAsync(TestContext.Current.CancellationToken));
    }

    private static long Found(JsonObject run, string kind) => (long?)run["drift"]?[kind]?["found"] ?? 0;

    private static long Repaired(JsonObject run, string kind) => (long?)run["drift"]?[kind]?["repaired"] ?? 0;

    private static List<string?> Examples(JsonObject run, string kind) => [.. run["drift"]![kind]!["examples"]!.AsArray().Select(e => (string?)e)];

    private int SkippedDeleted() => Enumerable.Range(0, SmallGraphEmulator.Users).Count(i => fixture.Emulator.Directory.User(i) is null);

    private static StringContent Scim(string json) => new(json, System.Text.Encoding.UTF8, "application/scim+json");

    private static async Task<JsonObject> GetAsync(HttpClient scim, string url)
    {
        var response = await scim.GetAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
    }

    private async Task<int> ScheduledAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonObject>("/api/reconciliation/runs?limit=100", TestContext.Current.CancellationToken))!["items"]!.AsArray()
            .Count(r => (string?)r!["trigger"] == "schedule");

    private Task<Guid> UserIdAsync(Guid provider, int index)
    {
        var upn = fixture.Emulator.Directory.GeneratedUser(index).UserPrincipalName;
        return fixture.Ingestion.WithDbAsync(db => db.Users.Where(u => u.ProviderId == provider && u.UserName == upn).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken));
    }

    private Task<Guid> GroupIdAsync(Guid provider, int index)
    {
        var externalId = fixture.Emulator.Directory.GroupId(index).ToString();
        return fixture.Ingestion.WithDbAsync(db => db.Groups.Where(g => g.ProviderId == provider && g.ExternalId == externalId).Select(g => g.Id).SingleAsync(TestContext.Current.CancellationToken));
    }

    private async Task<bool> MemberAsync(Guid provider, int group, int user)
    {
        var groupId = await GroupIdAsync(provider, group);
        var userId = await UserIdAsync(provider, user);
        return await fixture.Ingestion.WithDbAsync(db => db.GroupMembers.AnyAsync(m => m.GroupId == groupId && m.MemberId == userId, TestContext.Current.CancellationToken));
    }

    private Task<(int Users, int Active, int Groups, int Members)> CountsAsync(Guid provider) =>
        fixture.Ingestion.WithDbAsync(async db => (
            await db.Users.CountAsync(u => u.ProviderId == provider),
            await db.Users.CountAsync(u => u.ProviderId == provider && u.Active),
            await db.Groups.CountAsync(g => g.ProviderId == provider),
            await db.GroupMembers.CountAsync(m => m.ProviderId == provider)));

    /// <summary>Every row of the provider with its version: any change (and so any event) shows.</summary>
    private Task<string> StateAsync(Guid provider) =>
        fixture.Ingestion.WithDbAsync(async db => string.Join(";",
            (await db.Users.Where(u => u.ProviderId == provider).OrderBy(u => u.Id).Select(u => u.Id + ":" + u.Version + ":" + u.Active).ToListAsync()).Concat(
            await db.Groups.Where(g => g.ProviderId == provider).OrderBy(g => g.Id).Select(g => g.Id + ":" + g.Version).ToListAsync())) +
            "|members:" + await db.GroupMembers.CountAsync(m => m.ProviderId == provider));

    /// <summary>Waits until ingestion published an event matching <paramref name="filter"/> (the relay publishes after the commit).</summary>
    private Task<T> PublishedAsync<T>(Func<T, bool> filter) where T : class => fixture.Ingestion.Harness.PublishedAsync(filter, seconds: 30);

    private Task<int> OutboxAsync() => fixture.Ingestion.WithDbAsync(db => db.Set<Bifrost.Messaging.OutboxMessage>().CountAsync());
}
