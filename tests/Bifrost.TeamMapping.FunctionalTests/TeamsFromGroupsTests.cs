using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Governance;
using Bifrost.Contracts.Scim;

namespace Bifrost.TeamMapping.FunctionalTests;

public sealed class TeamsFromGroupsTests(TeamMappingFixture fixture) : IClassFixture<TeamMappingFixture>
{
    private static readonly Guid Provider = Guid.Parse("dddddddd-0000-4000-8000-000000000004");
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private HttpClient Api => fixture.AdminClient();

    private async Task<JsonObject> TeamAsync(Guid id) =>
        (await Api.GetFromJsonAsync<JsonObject>($"/api/teams/{id}", TestContext.Current.CancellationToken))!;

    private async Task<Dictionary<Guid, string[]>> MembersAsync(Guid teamId)
    {
        var page = await Api.GetFromJsonAsync<JsonObject>($"/api/teams/{teamId}/members?limit=1000", TestContext.Current.CancellationToken);
        return page!["items"]!.AsArray().ToDictionary(
            m => m!["userId"]!.GetValue<Guid>(),
            m => m!["sources"]!.AsArray().Select(s => s!["source"]!.GetValue<string>()).ToArray());
    }

    private static ScimGroupCreated Created(Guid group, string name, long version = 1) =>
        new() { ProviderId = Provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version), DisplayName = name };

    private static ScimGroupMembersAdded Added(Guid group, long version, params Guid[] users) =>
        new() { ProviderId = Provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version), MemberIds = users };

    private static ScimGroupMembersRemoved Removed(Guid group, long version, params Guid[] users) =>
        new() { ProviderId = Provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version), MemberIds = users };

    [Fact]
    public async Task Group_becomes_a_team_that_follows_renames_and_is_archived_on_delete()
    {
        var ct = TestContext.Current.CancellationToken;
        var group = Guid.NewGuid();
        var name = $"Platform {group:N}";

        await fixture.DeliverAsync(Created(group, name));
        var listed = await Api.GetFromJsonAsync<JsonObject>($"/api/teams?search={Uri.EscapeDataString(name.ToUpperInvariant())}", ct);
        var team = Assert.Single(listed!["items"]!.AsArray());
        Assert.Equal(group, team!["scimGroupId"]!.GetValue<Guid>());
        Assert.Equal(Provider, team["providerId"]!.GetValue<Guid>());

        await fixture.DeliverAsync(new ScimGroupRenamed { ProviderId = Provider, GroupId = group, Version = 2, OccurredAt = T0, DisplayName = name + " renamed" });
        Assert.Equal(name + " renamed", (await TeamAsync(group))["name"]!.GetValue<string>());

        await fixture.DeliverAsync(new ScimGroupDeleted { ProviderId = Provider, GroupId = group, Version = 3, OccurredAt = T0 });
        Assert.True((await TeamAsync(group))["archived"]!.GetValue<bool>());
        var active = await Api.GetFromJsonAsync<JsonObject>($"/api/teams?search={Uri.EscapeDataString(name)}", ct);
        Assert.Empty(active!["items"]!.AsArray());
        var all = await Api.GetFromJsonAsync<JsonObject>($"/api/teams?search={Uri.EscapeDataString(name)}&includeArchived=true", ct);
        Assert.Single(all!["items"]!.AsArray());
    }

    [Fact]
    public async Task Group_members_are_team_members_with_source_scim_group_and_a_manual_member_survives_the_sync()
    {
        var ct = TestContext.Current.CancellationToken;
        var group = Guid.NewGuid();
        var (alice, bob) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Created(group, $"Team {group:N}"));
        await fixture.DeliverAsync(Added(group, 2, alice, bob));

        var manual = await Api.PostAsJsonAsync($"/api/teams/{group}/members", new { userId = bob }, ct);
        Assert.Equal(HttpStatusCode.Created, manual.StatusCode);
        var members = await MembersAsync(group);
        Assert.Equal(["scimGroup"], members[alice]);
        Assert.Equal(["manual", "scimGroup"], members[bob]);

        await fixture.DeliverAsync(Removed(group, 3, alice, bob));

        members = await MembersAsync(group);
        Assert.False(members.ContainsKey(alice));
        Assert.Equal(["manual"], members[bob]);
        Assert.Equal(1, (await TeamAsync(group))["memberCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_membership_change_reports_only_the_team_it_changed_whatever_the_users_other_teams()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = Guid.NewGuid();
        var groups = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var (group, i) in groups.Select((g, i) => (g, i)))
        {
            await fixture.DeliverAsync(Created(group, $"Squad {i} {group:N}"));
            await fixture.DeliverAsync(Added(group, 2, user));
        }

        var held = await fixture.Harness.AffiliationsAsync(user, a => a.Teams.Count == groups.Length);
        Assert.All(held.Teams, t => Assert.Equal([AffiliationSources.ScimGroup], t.Sources));
        UserAffiliationsChanged Last() => fixture.Harness.ReportedNow(r => r.UserId == user)[^1];

        // The eighth add carried one entry, not eight.
        var last = Last();
        Assert.True(last.ChangesOnly);
        Assert.Equal(groups[^1], Assert.Single(last.Teams).Id);
        Assert.Empty(last.LeftTeams);
        Assert.Empty(last.BusinessUnits);

        // A manual grant on top of the SCIM one: the entry now has both sources.
        Assert.Equal(HttpStatusCode.Created, (await Api.PostAsJsonAsync($"/api/teams/{groups[0]}/members", new { userId = user }, ct)).StatusCode);
        held = await fixture.Harness.AffiliationsAsync(user, a => a.Version == held.Version + 1);
        Assert.Equal([AffiliationSources.Manual, AffiliationSources.ScimGroup], Assert.Single(Last().Teams).Sources);

        // The same add re-sent under a newer version changes nothing, so nothing is reported.
        var count = fixture.Harness.ReportedNow(r => r.UserId == user).Count;
        await fixture.DeliverAsync(Added(groups[1], 3, user));

        // Removed from one group, the group renamed and another deleted: one entry each.
        await fixture.DeliverAsync(Removed(groups[2], 4, user));
        held = await fixture.Harness.AffiliationsAsync(user, a => a.Version == held.Version + 1);
        Assert.Equal([groups[2]], Last().LeftTeams);
        Assert.Empty(Last().Teams);

        await fixture.DeliverAsync(new ScimGroupRenamed { ProviderId = Provider, GroupId = groups[3], Version = 5, OccurredAt = T0, DisplayName = $"Renamed {groups[3]:N}" });
        held = await fixture.Harness.AffiliationsAsync(user, a => a.Version == held.Version + 1);
        Assert.Equal($"Renamed {groups[3]:N}", Assert.Single(Last().Teams).Name);

        await fixture.DeliverAsync(new ScimGroupDeleted { ProviderId = Provider, GroupId = groups[4], Version = 6, OccurredAt = T0 });
        held = await fixture.Harness.AffiliationsAsync(user, a => a.Version == held.Version + 1);
        Assert.Equal([groups[4]], Last().LeftTeams);

        Assert.Equal(count + 3, fixture.Harness.ReportedNow(r => r.UserId == user).Count);
        Assert.Equal(groups.Except([groups[2], groups[4]]).Order(), held.Teams.Select(t => t.Id).Order());
        Assert.Equal([AffiliationSources.Manual, AffiliationSources.ScimGroup], held.Teams.Single(t => t.Id == groups[0]).Sources);
        Assert.Equal($"Renamed {groups[3]:N}", held.Teams.Single(t => t.Id == groups[3]).Name);
    }

    [Fact]
    public async Task Shuffled_and_duplicated_group_events_leave_the_same_state_as_in_order()
    {
        var users = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid()).ToArray();
        object[] History(Guid group) =>
        [
            Created(group, "Shuffle team", 1),
            Added(group, 2, users[0], users[1], users[2], users[3]),
            Removed(group, 3, users[1]),
            new ScimGroupRenamed { ProviderId = Provider, GroupId = group, Version = 4, OccurredAt = T0, DisplayName = "Shuffle team renamed" },
            Added(group, 5, users[1], users[4]),
            Removed(group, 6, users[0], users[5]),
            Added(group, 7, users[5]),
        ];

        var inOrder = Guid.NewGuid();
        foreach (var message in History(inOrder))
        {
            await DeliverAsync(message);
        }

        var expectedMembers = await MembersAsync(inOrder);
        var expectedName = (await TeamAsync(inOrder))["name"]!.GetValue<string>();
        Assert.Equal(new[] { users[1], users[2], users[3], users[4], users[5] }.Order(), expectedMembers.Keys.Order());
        Assert.Equal("Shuffle team renamed", expectedName);

        var random = new Random(20261129);
        for (var run = 0; run < 5; run++)
        {
            var group = Guid.NewGuid();
            var history = History(group);
            var shuffled = history.Concat(history.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToList();
            foreach (var message in shuffled)
            {
                await DeliverAsync(message);
            }

            Assert.Equal(expectedMembers.Keys.Order(), (await MembersAsync(group)).Keys.Order());
            var team = await TeamAsync(group);
            Assert.Equal(expectedName, team["name"]!.GetValue<string>());
            Assert.False(team["archived"]!.GetValue<bool>());
        }
    }

    private Task DeliverAsync(object message) => message switch
    {
        ScimGroupCreated m => fixture.DeliverAsync(m),
        ScimGroupRenamed m => fixture.DeliverAsync(m),
        ScimGroupMembersAdded m => fixture.DeliverAsync(m),
        ScimGroupMembersRemoved m => fixture.DeliverAsync(m),
        _ => throw new ArgumentOutOfRangeException(nameof(message)),
    };

    [Fact]
    public async Task Manual_membership_api_validates_and_removes_only_manual_grants()
    {
        var ct = TestContext.Current.CancellationToken;
        var group = Guid.NewGuid();
        var user = Guid.NewGuid();
        await fixture.DeliverAsync(Created(group, $"Manual {group:N}"));
        await fixture.DeliverAsync(Added(group, 2, user));

        Assert.Equal(HttpStatusCode.NotFound, (await Api.PostAsJsonAsync($"/api/teams/{Guid.NewGuid()}/members", new { userId = user }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Api.PostAsJsonAsync($"/api/teams/{group}/members", new { userId = user }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Api.PostAsJsonAsync($"/api/teams/{group}/members", new { userId = user }, ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Api.DeleteAsync($"/api/teams/{group}/members/{user}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.DeleteAsync($"/api/teams/{group}/members/{user}", ct)).StatusCode);
        Assert.Equal(["scimGroup"], (await MembersAsync(group))[user]);
    }

    [Fact]
    public async Task Manual_team_is_created_and_a_duplicate_name_is_a_conflict()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = $"Manual team {Guid.NewGuid():N}";

        var created = await Api.PostAsJsonAsync("/api/teams", new { name }, ct);
        var duplicate = await Api.PostAsJsonAsync("/api/teams", new { name = name.ToUpperInvariant() }, ct);
        var invalid = await Api.PostAsJsonAsync("/api/teams", new { name = "" }, ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Null((await created.Content.ReadFromJsonAsync<JsonObject>(ct))!["scimGroupId"]);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }
}
