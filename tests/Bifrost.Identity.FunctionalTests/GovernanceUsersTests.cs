using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Governance;
using Bifrost.Contracts.Scim;
using Bifrost.Identity.Model;
using Bifrost.Messaging;
using Bifrost.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.FunctionalTests;

/// <summary>Roles (and why), groups, profile, affiliations and the users API, from events on a real database.</summary>
public sealed class GovernanceUsersTests(IdentityApiFixture fixture) : IClassFixture<IdentityApiFixture>
{
    internal const string Department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
    internal const string CostCode = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => fixture.CreateClient();

    internal static ScimUserSnapshot Snapshot(string userName, bool active = true, Dictionary<string, string>? attributes = null) => new()
    {
        UserName = userName,
        DisplayName = $"Name of {userName}",
        Email = userName,
        Active = active,
        Attributes = attributes ?? new Dictionary<string, string> { ["userName"] = userName },
    };

    private static string UniqueUserName() => $"u-{Guid.NewGuid():N}@contoso.test";

    private async Task<Guid> CreateProviderAsync(object mappings)
    {
        var response = await Client.PostAsJsonAsync("/api/providers", new { name = $"p-{Guid.NewGuid():N}", kind = "entra", mappings }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
    }

    private async Task<JsonObject> GetUserAsync(Guid id)
    {
        var response = await Client.GetAsync($"/api/users/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    private async Task<Guid> ProvisionAsync(Guid provider, Dictionary<string, string>? attributes = null, string? userName = null)
    {
        var id = Guid.NewGuid();
        await fixture.DeliverAsync(new ScimUserProvisioned
        {
            ProviderId = provider, UserId = id, Version = 1, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName ?? UniqueUserName(), attributes: attributes),
        });
        return id;
    }

    private static string? Role(JsonObject user) => user["role"]?.GetValue<string>();

    [Fact]
    public async Task Attribute_rule_gives_the_role_and_the_reason_is_shown()
    {
        var provider = await CreateProviderAsync(new
        {
            roleRules = new[] { new { attribute = "title", value = "Engineer", role = "developer" }, new { attribute = Department, value = "IT", role = "admin" } },
        });

        var id = await ProvisionAsync(provider, new() { ["title"] = "ENGINEER", [Department] = "Sales" });

        var user = await GetUserAsync(id);
        Assert.Equal("developer", Role(user));
        var reason = user["roleReason"]!;
        Assert.Equal(0, reason["ruleIndex"]!.GetValue<int>());
        Assert.Equal("title", reason["attribute"]!.GetValue<string>());
        Assert.Equal("Engineer", reason["value"]!.GetValue<string>());
        Assert.Equal("ENGINEER", reason["matchedValue"]!.GetValue<string>());
        Assert.Equal("mostPermissions", reason["strategy"]!.GetValue<string>());
        var row = await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == id, Ct));
        Assert.Equal("developer", row.Role);
    }

    [Fact]
    public async Task User_matched_by_no_rule_has_no_role()
    {
        var provider = await CreateProviderAsync(new { roleRules = new[] { new { attribute = "title", value = "Manager", role = "admin" } } });

        var user = await GetUserAsync(await ProvisionAsync(provider, new() { ["title"] = "Engineer" }));

        Assert.Null(user["role"]);
        Assert.Null(user["roleReason"]);
    }

    [Fact]
    public async Task Group_membership_drives_a_groups_rule_through_add_rename_remove_and_delete()
    {
        var provider = await CreateProviderAsync(new { roleRules = new[] { new { attribute = "groups", value = "Bifrost Admins", role = "admin" } } });
        var userId = await ProvisionAsync(provider);
        var groupId = Guid.NewGuid();
        DateTimeOffset now = DateTimeOffset.UtcNow;

        await fixture.DeliverAsync(new ScimGroupCreated { ProviderId = provider, GroupId = groupId, Version = 1, OccurredAt = now, DisplayName = "Bifrost Admins" });
        await fixture.DeliverAsync(new ScimGroupMembersAdded { ProviderId = provider, GroupId = groupId, Version = 2, OccurredAt = now, MemberIds = [userId] });
        var user = await GetUserAsync(userId);
        Assert.Equal("admin", Role(user));
        Assert.Equal("Bifrost Admins", user["roleReason"]!["matchedValue"]!.GetValue<string>());
        Assert.Equal(groupId, Assert.Single(user["groups"]!.AsArray())!["id"]!.GetValue<Guid>());

        await fixture.DeliverAsync(new ScimGroupRenamed { ProviderId = provider, GroupId = groupId, Version = 3, OccurredAt = now, DisplayName = "Former Admins" });
        user = await GetUserAsync(userId);
        Assert.Null(user["role"]);
        Assert.Equal("Former Admins", Assert.Single(user["groups"]!.AsArray())!["displayName"]!.GetValue<string>());

        await fixture.DeliverAsync(new ScimGroupRenamed { ProviderId = provider, GroupId = groupId, Version = 4, OccurredAt = now, DisplayName = "bifrost admins" });
        Assert.Equal("admin", Role(await GetUserAsync(userId)));

        await fixture.DeliverAsync(new ScimGroupMembersRemoved { ProviderId = provider, GroupId = groupId, Version = 5, OccurredAt = now, MemberIds = [userId] });
        user = await GetUserAsync(userId);
        Assert.Null(user["role"]);
        Assert.Empty(user["groups"]!.AsArray());

        // A late, older add must not bring the member back.
        await fixture.DeliverAsync(new ScimGroupMembersAdded { ProviderId = provider, GroupId = groupId, Version = 2, OccurredAt = now, MemberIds = [userId] });
        Assert.Null(Role(await GetUserAsync(userId)));

        await fixture.DeliverAsync(new ScimGroupMembersAdded { ProviderId = provider, GroupId = groupId, Version = 6, OccurredAt = now, MemberIds = [userId] });
        Assert.Equal("admin", Role(await GetUserAsync(userId)));

        await fixture.DeliverAsync(new ScimGroupDeleted { ProviderId = provider, GroupId = groupId, Version = 7, OccurredAt = now });
        user = await GetUserAsync(userId);
        Assert.Null(user["role"]);
        Assert.Empty(user["groups"]!.AsArray());
        var membership = await fixture.WithDbAsync(db => db.GroupMemberships.AsNoTracking().SingleAsync(m => m.GroupId == groupId && m.UserId == userId, Ct));
        Assert.False(membership.Active);
        Assert.Equal(7, membership.Version);
    }

    [Fact]
    public async Task Membership_before_the_group_and_the_user_exist_counts_once_they_arrive()
    {
        var provider = await CreateProviderAsync(new { roleRules = new[] { new { attribute = "groups", value = "*", role = "viewer" } } });
        var userId = Guid.NewGuid();
        var groupId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;

        await fixture.DeliverAsync(new ScimGroupMembersAdded { ProviderId = provider, GroupId = groupId, Version = 2, OccurredAt = now, MemberIds = [userId] });
        await fixture.DeliverAsync(new ScimUserProvisioned { ProviderId = provider, UserId = userId, Version = 1, OccurredAt = now, User = Snapshot(UniqueUserName()) });
        Assert.Null(Role(await GetUserAsync(userId)));

        await fixture.DeliverAsync(new ScimGroupCreated { ProviderId = provider, GroupId = groupId, Version = 1, OccurredAt = now, DisplayName = "Everyone" });

        var user = await GetUserAsync(userId);
        Assert.Equal("viewer", Role(user));
        Assert.Equal("Everyone", user["roleReason"]!["matchedValue"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleted_group_ignores_a_late_create_and_late_members()
    {
        var provider = await CreateProviderAsync(new { roleRules = new[] { new { attribute = "groups", value = "*", role = "viewer" } } });
        var userId = await ProvisionAsync(provider);
        var groupId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;

        await fixture.DeliverAsync(new ScimGroupDeleted { ProviderId = provider, GroupId = groupId, Version = 9, OccurredAt = now });
        await fixture.DeliverAsync(new ScimGroupCreated { ProviderId = provider, GroupId = groupId, Version = 1, OccurredAt = now, DisplayName = "Gone" });
        await fixture.DeliverAsync(new ScimGroupMembersAdded { ProviderId = provider, GroupId = groupId, Version = 2, OccurredAt = now, MemberIds = [userId] });

        var user = await GetUserAsync(userId);
        Assert.Null(user["role"]);
        Assert.Empty(user["groups"]!.AsArray());
        var group = await fixture.WithDbAsync(db => db.Groups.AsNoTracking().SingleAsync(g => g.Id == groupId, Ct));
        Assert.True(group.Deleted);
    }

    [Fact]
    public async Task Profile_shows_standard_and_declared_attributes_only_and_keeps_the_rest_stored()
    {
        var provider = await CreateProviderAsync(new { scimAttributes = new[] { CostCode } });

        const string badge = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:badge";
        var id = await ProvisionAsync(provider, new() { ["title"] = "Engineer", [CostCode] = "CC-9", [Department] = "Sales", [badge] = "B-7", ["costcode"] = "lower" });

        var attributes = (await GetUserAsync(id))["attributes"]!.AsObject();
        Assert.Equal("Engineer", attributes["title"]!.GetValue<string>());
        Assert.Equal("Sales", attributes[Department]!.GetValue<string>());
        Assert.Equal("CC-9", attributes[CostCode]!.GetValue<string>());
        Assert.False(attributes.ContainsKey(badge));
        Assert.False(attributes.ContainsKey("costcode"));
        var stored = await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == id, Ct));
        Assert.Equal("B-7", stored.Attributes[badge]);
    }

    [Fact]
    public async Task Affiliations_replace_on_a_newer_version_ignore_older_ones_and_filter_the_list()
    {
        var provider = await CreateProviderAsync(new { });
        var id = await ProvisionAsync(provider);
        var other = await ProvisionAsync(provider);
        var team = Guid.NewGuid();
        var unit = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;

        await fixture.DeliverAsync(Reported(new UserAffiliationsChanged
        {
            ProviderId = provider, UserId = id, Version = 2, OccurredAt = now,
            Teams = [new Affiliation(team, "Platform", [AffiliationSources.ScimGroup, AffiliationSources.Manual])],
            BusinessUnits = [new Affiliation(unit, "Engineering", [AffiliationSources.AttributeMapping])],
        }));
        await fixture.DeliverAsync(Reported(new UserAffiliationsChanged { ProviderId = provider, UserId = id, Version = 1, OccurredAt = now }));

        var user = await GetUserAsync(id);
        var t = Assert.Single(user["teams"]!.AsArray())!;
        Assert.Equal(team, t["id"]!.GetValue<Guid>());
        Assert.Equal("Platform", t["name"]!.GetValue<string>());
        Assert.Equal(["manual", "scimGroup"], t["sources"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(unit, Assert.Single(user["businessUnits"]!.AsArray())!["id"]!.GetValue<Guid>());

        var byTeam = await Client.GetFromJsonAsync<JsonObject>($"/api/users?team={team}", Ct);
        Assert.Equal([id], byTeam!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<Guid>()));
        var byUnit = await Client.GetFromJsonAsync<JsonObject>($"/api/users?businessUnit={unit}&providerId={provider}", Ct);
        Assert.Equal(1, byUnit!["total"]!.GetValue<int>());

        await fixture.DeliverAsync(Reported(new UserAffiliationsChanged { ProviderId = provider, UserId = id, Version = 3, OccurredAt = now, Teams = [], BusinessUnits = [] }));
        user = await GetUserAsync(id);
        Assert.Empty(user["teams"]!.AsArray());
        Assert.Empty(user["businessUnits"]!.AsArray());
        Assert.NotEqual(other, id);
    }

    [Fact]
    public async Task A_newer_report_writes_only_the_affiliations_that_changed()
    {
        var provider = await CreateProviderAsync(new { });
        var id = await ProvisionAsync(provider);
        var (kept, renamed, resourced, dropped, added, unit) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var now = DateTimeOffset.UtcNow;
        await fixture.DeliverAsync(Reported(new UserAffiliationsChanged
        {
            ProviderId = provider, UserId = id, Version = 1, OccurredAt = now,
            Teams =
            [
                new Affiliation(kept, "Kept", [AffiliationSources.ScimGroup]),
                new Affiliation(renamed, "Old name", [AffiliationSources.ScimGroup]),
                new Affiliation(resourced, "Re-sourced", [AffiliationSources.ScimGroup]),
                new Affiliation(dropped, "Dropped", [AffiliationSources.Manual]),
            ],
            BusinessUnits = [new Affiliation(unit, "Unit", [AffiliationSources.AttributeMapping])],
        }));
        var before = await RowVersionsAsync();

        await fixture.DeliverAsync(Reported(new UserAffiliationsChanged
        {
            ProviderId = provider, UserId = id, Version = 2, OccurredAt = now,
            Teams =
            [
                new Affiliation(added, "Added", [AffiliationSources.ScimGroup]),
                new Affiliation(resourced, "Re-sourced", [AffiliationSources.Manual, AffiliationSources.ScimGroup]),
                new Affiliation(renamed, "New name", [AffiliationSources.ScimGroup]),
                new Affiliation(kept, "Kept", [AffiliationSources.ScimGroup]),
            ],
            BusinessUnits = [new Affiliation(unit, "Unit", [AffiliationSources.AttributeMapping])],
        }));

        // The lists are the report's...
        var user = await GetUserAsync(id);
        Assert.Equal(
            ["Added:scimGroup", "Kept:scimGroup", "New name:scimGroup", "Re-sourced:manual,scimGroup"],
            user["teams"]!.AsArray().Select(t => $"{t!["name"]}:{string.Join(",", t["sources"]!.AsArray().Select(s => s!.GetValue<string>()))}").Order(StringComparer.Ordinal));
        Assert.Equal(unit, Assert.Single(user["businessUnits"]!.AsArray())!["id"]!.GetValue<Guid>());

        // ...and only what changed was written: the unchanged rows are the same row versions (PostgreSQL's xmin).
        var after = await RowVersionsAsync();
        Assert.Equal(before[kept], after[kept]);
        Assert.Equal(before[unit], after[unit]);
        Assert.NotEqual(before[renamed], after[renamed]);
        Assert.NotEqual(before[resourced], after[resourced]);
        Assert.False(after.ContainsKey(dropped));
        Assert.NotEqual(before[kept], after[added]);

        Task<Dictionary<Guid, string>> RowVersionsAsync() => fixture.WithDbAsync(async db =>
            (await db.Database.SqlQuery<RowVersion>($"SELECT target_id AS \"TargetId\", xmin::text AS \"Xmin\" FROM identity.user_affiliations WHERE user_id = {id}")
                .ToListAsync(Ct)).ToDictionary(r => r.TargetId, r => r.Xmin));
    }

    private sealed record RowVersion(Guid TargetId, string Xmin);

    [Fact]
    public async Task Affiliation_reports_in_bulk_shuffled_and_redelivered_leave_each_user_with_the_newest_lists()
    {
        var provider = await CreateProviderAsync(new { });
        var users = await ProvisionManyAsync(provider, 12);

        var now = DateTimeOffset.UtcNow;
        UserAffiliationsChanged Report(Guid user, long version) => new()
        {
            ProviderId = provider, UserId = user, Version = version, OccurredAt = now,
            Teams = [new Affiliation(Guid.Parse($"00000000-0000-4000-8000-{version:D12}"), $"Team v{version}", [AffiliationSources.ScimGroup])],
            BusinessUnits = version % 2 == 0 ? [new Affiliation(Guid.Parse($"00000000-0000-4000-9000-{version:D12}"), $"Unit v{version}", [AffiliationSources.AttributeMapping])] : [],
        };

        // Four versions per user, shuffled, in messages of one to three reports, each message published twice with the
        // same message id (a redelivery): many land in one batch, some batches and some messages hold two reports of one
        // user, and an old report may come last.
        var reports = users.SelectMany(u => Enumerable.Range(1, 4).Select(v => Report(u, v))).OrderBy(_ => Random.Shared.Next()).ToList();
        await PublishShuffledAsync(reports, maxPerMessage: 3, everyNthTwice: 1, Random.Shared);

        var ids = users.ToArray();
        await Eventually.WaitAsync(
            () => fixture.WithDbAsync(db => db.UserAffiliationStates.Where(s => ids.Contains(s.UserId)).Select(s => s.Version).ToListAsync(Ct)),
            versions => versions.Count == users.Count && versions.All(v => v == 4),
            TimeSpan.FromSeconds(30),
            "every user's version reaches 4");

        foreach (var user in users)
        {
            var detail = await GetUserAsync(user);
            Assert.Equal(["Team v4"], detail["teams"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
            Assert.Equal(["Unit v4"], detail["businessUnits"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task A_complete_report_sets_a_floor_older_changes_cannot_cross_and_never_undoes_a_newer_change()
    {
        var provider = await CreateProviderAsync(new { });
        var id = await ProvisionAsync(provider);
        var (a, b, c, d) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var now = DateTimeOffset.UtcNow;
        Affiliation Team(Guid team, string name) => new(team, name, [AffiliationSources.ScimGroup]);
        UserAffiliationsChanged Changes(long version) => new() { ProviderId = provider, UserId = id, Version = version, OccurredAt = now, ChangesOnly = true };
        UserAffiliationsChanged Complete(long version, params Affiliation[] teams) => new() { ProviderId = provider, UserId = id, Version = version, OccurredAt = now, Teams = teams };

        await fixture.DeliverAsync(Reported(Changes(6) with { Teams = [Team(c, "C")] }));
        await fixture.DeliverAsync(Reported(Complete(5, Team(a, "A"), Team(b, "B"), Team(c, "C at 5"))));
        Assert.Equal(["A", "B", "C"], await TeamNamesAsync()); // C keeps the name of the newer change

        // At or below the floor (5) a change is ignored; above it, a left team is hidden and stays left.
        await fixture.DeliverAsync(Reported(Changes(3) with { Teams = [Team(d, "D")], LeftTeams = [a] }));
        await fixture.DeliverAsync(Reported(Changes(7) with { LeftTeams = [b] }));
        await fixture.DeliverAsync(Reported(Changes(4) with { Teams = [Team(b, "B again")] }));
        Assert.Equal(["A", "C"], await TeamNamesAsync());
        var byTeam = await Client.GetFromJsonAsync<JsonObject>($"/api/users?team={b}", Ct);
        Assert.Equal(0, byTeam!["total"]!.GetValue<int>());

        // A newer complete report replaces everything older, the left rows included.
        await fixture.DeliverAsync(Reported(Complete(8, Team(c, "C"))));
        Assert.Equal(["C"], await TeamNamesAsync());
        Assert.Equal(1, await fixture.WithDbAsync(db => db.UserAffiliations.CountAsync(x => x.UserId == id, Ct)));

        async Task<List<string>> TeamNamesAsync() =>
            [.. (await GetUserAsync(id))["teams"]!.AsArray().Select(t => t!["name"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Changes_only_reports_shuffled_and_redelivered_leave_each_user_as_applied_in_order()
    {
        var provider = await CreateProviderAsync(new { });
        var users = await ProvisionManyAsync(provider, 10);

        // Each user walks through eight versions; each version joins, re-sources, renames or leaves one or two of four
        // teams and two business units. The expected lists are the walk applied in order.
        var random = new Random(1201);
        var teams = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
        var units = Enumerable.Range(0, 2).Select(_ => Guid.NewGuid()).ToArray();
        string[][] sourceSets = [[AffiliationSources.ScimGroup], [AffiliationSources.Manual], [AffiliationSources.Manual, AffiliationSources.ScimGroup]];
        var now = DateTimeOffset.UtcNow;
        var reports = new List<UserAffiliationsChanged>();
        var expected = new Dictionary<Guid, (Dictionary<Guid, Affiliation> Teams, Dictionary<Guid, Affiliation> Units)>();
        foreach (var user in users)
        {
            var (held, heldUnits) = expected[user] = ([], []);
            for (var version = 1; version <= 8; version++)
            {
                var report = new UserAffiliationsChanged { ProviderId = provider, UserId = user, Version = version, OccurredAt = now, ChangesOnly = true };
                for (var change = random.Next(1, 3); change > 0; change--)
                {
                    var unit = random.Next(3) == 0;
                    var target = unit ? units[random.Next(units.Length)] : teams[random.Next(teams.Length)];
                    var into = unit ? heldUnits : held;
                    if (report.Teams.Concat(report.BusinessUnits).Any(x => x.Id == target) || report.LeftTeams.Concat(report.LeftBusinessUnits).Contains(target))
                    {
                        continue;
                    }

                    if (random.Next(3) == 0)
                    {
                        into.Remove(target);
                        report = unit ? report with { LeftBusinessUnits = [.. report.LeftBusinessUnits, target] } : report with { LeftTeams = [.. report.LeftTeams, target] };
                    }
                    else
                    {
                        var entry = into[target] = new Affiliation(target, $"{(unit ? "Unit" : "Team")} {Array.IndexOf(unit ? units : teams, target)} v{version}", sourceSets[random.Next(sourceSets.Length)]);
                        report = unit ? report with { BusinessUnits = [.. report.BusinessUnits, entry] } : report with { Teams = [.. report.Teams, entry] };
                    }
                }

                reports.Add(report);
            }
        }

        await PublishShuffledAsync(reports, maxPerMessage: 4, everyNthTwice: 3, random);

        foreach (var user in users)
        {
            var detail = await GetUserAsync(user);
            Assert.Equal(Describe(expected[user].Teams.Values), Describe(detail["teams"]!.AsArray()));
            Assert.Equal(Describe(expected[user].Units.Values), Describe(detail["businessUnits"]!.AsArray()));
        }

        // The ?team= filter agrees: exactly the users that hold the team now.
        var byTeam = await Client.GetFromJsonAsync<JsonObject>($"/api/users?team={teams[0]}&providerId={provider}&limit=100", Ct);
        Assert.Equal(
            users.Where(u => expected[u].Teams.ContainsKey(teams[0])).Order(),
            byTeam!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<Guid>()).Order());

        static List<string> Describe(IEnumerable<object?> entries) => [.. entries.Select(e => e switch
        {
            Affiliation a => $"{a.Id} {a.Name} {string.Join(",", a.Sources.Order(StringComparer.Ordinal))}",
            JsonNode n => $"{n["id"]} {n["name"]} {string.Join(",", n["sources"]!.AsArray().Select(s => s!.GetValue<string>()))}",
            _ => throw new InvalidOperationException(),
        }).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task List_filters_by_role_and_state_and_pages_with_a_cursor_in_stable_order()
    {
        var provider = await CreateProviderAsync(new { roleRules = new[] { new { attribute = "title", value = "Lead", role = "admin" } } });
        var prefix = $"p{Guid.NewGuid():N}"[..12];
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await ProvisionAsync(provider, new() { ["title"] = i % 2 == 0 ? "Lead" : "Dev" }, $"{prefix}-{i}@contoso.test"));
        }

        await fixture.DeliverAsync(new ScimUserDeactivated { ProviderId = provider, UserId = ids[4], Version = 2, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot($"{prefix}-4@contoso.test", active: false, attributes: new() { ["title"] = "Lead" }) });

        async Task<List<Guid>> Ids(string query) =>
            (await Client.GetFromJsonAsync<JsonObject>($"/api/users?providerId={provider}&{query}", Ct))!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<Guid>()).ToList();

        Assert.Equal([ids[0], ids[2], ids[4]], await Ids("role=admin"));
        Assert.Equal([ids[1], ids[3]], await Ids("role=none"));
        Assert.Equal([ids[4]], await Ids("state=suspended"));
        Assert.Equal([ids[0], ids[2]], await Ids("state=active&role=admin"));

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = (await Client.GetFromJsonAsync<JsonObject>($"/api/users?providerId={provider}&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", Ct))!;
            Assert.Equal(5, page["total"]!.GetValue<int>());
            seen.AddRange(page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<Guid>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(ids, seen);
        Assert.Equal(ids.Skip(2).Take(2), await Ids("offset=2&limit=2"));
        var defaults = (await Client.GetFromJsonAsync<JsonObject>($"/api/users?providerId={provider}", Ct))!;
        Assert.Equal(20, defaults["limit"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("role=owner", "role")]
    [InlineData("state=Active2", "state")]
    [InlineData("team=not-a-guid", "team")]
    [InlineData("businessUnit=1", "businessUnit")]
    [InlineData("providerId=x", "providerId")]
    [InlineData("cursor=%21%21", "cursor")]
    public async Task List_with_a_bad_parameter_returns_400_naming_it(string query, string field)
    {
        var response = await Client.GetAsync($"/api/users?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.True(body["errors"]!.AsObject().ContainsKey(field), body.ToJsonString());
    }

    private async Task<List<Guid>> ProvisionManyAsync(Guid provider, int count)
    {
        var users = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            users.Add(await ProvisionAsync(provider));
        }

        return users;
    }

    private static UserAffiliationsReported Reported(UserAffiliationsChanged report) => new() { Reports = [report] };

    /// <summary>
    /// Publishes the reports shuffled, in messages of one to <paramref name="maxPerMessage"/> reports, every
    /// <paramref name="everyNthTwice"/>-th message twice under the same message id (a redelivery), all at once and in
    /// random order; then waits until the inbox has recorded every message id once (every message applied).
    /// </summary>
    private async Task PublishShuffledAsync(List<UserAffiliationsChanged> reports, int maxPerMessage, int everyNthTwice, Random random)
    {
        var shuffled = reports.OrderBy(_ => random.Next()).ToList();
        var deliveries = new List<(Guid Id, UserAffiliationsReported Message)>();
        for (var at = 0; at < shuffled.Count;)
        {
            var size = Math.Min(1 + (at % maxPerMessage), shuffled.Count - at);
            deliveries.Add((Guid.NewGuid(), new UserAffiliationsReported { Reports = shuffled.GetRange(at, size) }));
            at += size;
        }

        var all = deliveries.Concat(deliveries.Where((_, i) => i % everyNthTwice == 0)).OrderBy(_ => random.Next()).ToList();
        await Task.WhenAll(all.Select(d => fixture.Harness.Bus.Publish(EventBatch.Of(d.Message, d.Id), Ct)));
        var messageIds = deliveries.Select(d => d.Id).ToArray();
        await Eventually.WaitAsync(
            () => fixture.WithDbAsync(db => db.Set<Bifrost.Messaging.InboxMessage>().CountAsync(m => messageIds.Contains(m.MessageId), Ct)),
            count => count == deliveries.Count,
            TimeSpan.FromSeconds(30),
            "every message id is recorded once");
    }
}
