using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>The group requests of entra-requests.md §3 and §5.4, plus membership batching, versions and events.</summary>
public sealed class ScimGroupsApiTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private readonly Guid _provider = Guid.NewGuid();
    private HttpClient Client => fixture.CreateScimClient(_provider);

    private Task<int> MemberCountAsync(string groupId) =>
        fixture.WithDbAsync(db => db.GroupMembers.CountAsync(m => m.GroupId == Guid.Parse(groupId), TestContext.Current.CancellationToken));

    [Fact]
    public async Task Create_group_3_1_returns_201_with_empty_members_and_publishes_created()
    {
        var displayName = $"displayName-{Guid.NewGuid():N}";
        var response = await Client.PostScimAsync("/scim/v2/Groups", $$"""
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "{{displayName}}",
                "meta": {
                    "resourceType": "Group"
                }
            }
            """);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("application/scim+json", response.ContentType);
        Assert.Equal(displayName, response.Body!["displayName"]!.GetValue<string>());
        Assert.Equal("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", response.Body["externalId"]!.GetValue<string>());
        Assert.Empty(response.Body["members"]!.AsArray());
        Assert.Equal(["urn:ietf:params:scim:schemas:core:2.0:Group"], response.Body["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("Group", response.Body["meta"]!["resourceType"]!.GetValue<string>());
        Assert.EndsWith($"/scim/v2/Groups/{response.Id}", response.Message.Headers.Location!.ToString());
        Assert.Equal("W/\"1\"", response.ETag);
        var row = await fixture.WithDbAsync(db => db.Groups.AsNoTracking().SingleAsync(g => g.Id == response.Guid, TestContext.Current.CancellationToken));
        Assert.Equal(_provider, row.ProviderId);
        Assert.Equal(displayName.ToLowerInvariant(), row.DisplayNameKey);
        var created = await fixture.Harness.PublishedAsync<ScimGroupCreated>(m => m.GroupId == response.Guid);
        Assert.Equal(1, created.Version);
        Assert.Equal(displayName, created.DisplayName);
    }

    [Fact]
    public async Task Get_group_3_2_and_query_3_3_without_members_omit_members()
    {
        var displayName = $"Group {Guid.NewGuid():N}";
        var user = await Client.CreateUserAsync(UniqueName());
        var id = await Client.CreateGroupAsync(displayName, $$""","members":[{"value":"{{user}}"}]""");

        var get = await Client.GetScimAsync($"/scim/v2/Groups/{id}?excludedAttributes=members");
        var query = await Client.GetScimAsync($"/scim/v2/Groups?excludedAttributes=members&filter={Query($"displayName eq \"{displayName.ToUpperInvariant()}\"")}");
        var full = await Client.GetScimAsync($"/scim/v2/Groups/{id}");

        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Null(get.Body!["members"]);
        Assert.Equal(displayName, get.Body["displayName"]!.GetValue<string>());
        var resource = Assert.Single(query.Resources)!;
        Assert.Equal(id, resource["id"]!.GetValue<string>());
        Assert.Null(resource["members"]);
        var member = Assert.Single(full.Body!["members"]!.AsArray())!;
        Assert.Equal(user, member["value"]!.GetValue<string>());
        Assert.Equal("User", member["type"]!.GetValue<string>());
        Assert.EndsWith($"/scim/v2/Users/{user}", member["$ref"]!.GetValue<string>());
    }

    [Fact]
    public async Task Excluded_members_are_not_read_from_the_database()
    {
        var id = await Client.CreateGroupAsync($"g-{Guid.NewGuid():N}");
        var commands = fixture.Commands;
        commands.Clear();

        await Client.GetScimAsync($"/scim/v2/Groups/{id}?excludedAttributes=members");
        await Client.GetScimAsync($"/scim/v2/Groups?excludedAttributes=members&filter={Query($"id eq \"{id}\"")}");
        var excluded = commands.Texts().Count(t => t.Contains("scim_group_members", StringComparison.Ordinal));
        await Client.GetScimAsync($"/scim/v2/Groups/{id}");

        Assert.Equal(0, excluded);
        Assert.Contains(commands.Texts(), t => t.Contains("scim_group_members", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rename_3_4_returns_204_and_publishes_renamed()
    {
        var id = await Client.CreateGroupAsync($"before-{Guid.NewGuid():N}");
        var newName = $"{Guid.NewGuid()}updatedDisplayName";

        var response = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", $$"""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Replace",
                    "path": "displayName",
                    "value": "{{newName}}"
                }]
            }
            """);

        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        Assert.Null(response.Body);
        Assert.Equal("W/\"2\"", response.ETag);
        Assert.Equal(newName, await fixture.WithDbAsync(db => db.Groups.Where(g => g.Id == Guid.Parse(id)).Select(g => g.DisplayName).SingleAsync(TestContext.Current.CancellationToken)));
        var renamed = await fixture.Harness.PublishedAsync<ScimGroupRenamed>(m => m.GroupId == Guid.Parse(id));
        Assert.Equal(2, renamed.Version);
        Assert.Equal(newName, renamed.DisplayName);
    }

    [Fact]
    public async Task Add_member_3_5_twice_is_a_no_op_the_second_time_and_remove_3_6_removes_only_the_listed_member()
    {
        var id = await Client.CreateGroupAsync($"g-{Guid.NewGuid():N}");
        var a = await Client.CreateUserAsync(UniqueName());
        var b = await Client.CreateUserAsync(UniqueName());

        var add = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", [a, b]));
        var again = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", [a]));
        Assert.Equal(HttpStatusCode.NoContent, add.Status);
        Assert.Equal(HttpStatusCode.NoContent, again.Status);
        Assert.Equal("W/\"2\"", again.ETag);
        Assert.Equal(2, await MemberCountAsync(id));

        var remove = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", $$"""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Remove",
                    "path": "members",
                    "value": [{
                        "$ref": null,
                        "value": "{{a}}"
                    }]
                }]
            }
            """);

        Assert.Equal(HttpStatusCode.NoContent, remove.Status);
        Assert.Equal(1, await MemberCountAsync(id));
        var added = await fixture.Harness.PublishedAsync<ScimGroupMembersAdded>(m => m.GroupId == Guid.Parse(id));
        Assert.Equal(2, added.Version);
        Assert.Equal(new[] { Guid.Parse(a), Guid.Parse(b) }.Order(), added.MemberIds.Order());
        var removed = await fixture.Harness.PublishedAsync<ScimGroupMembersRemoved>(m => m.GroupId == Guid.Parse(id));
        Assert.Equal(3, removed.Version);
        Assert.Equal([Guid.Parse(a)], removed.MemberIds);
        Assert.Single(fixture.Harness.PublishedNow<ScimGroupMembersAdded>(m => m.GroupId == Guid.Parse(id)));
    }

    [Fact]
    public async Task Remove_member_5_4_both_forms_remove_exactly_the_named_member()
    {
        var id = await Client.CreateGroupAsync($"g-{Guid.NewGuid():N}");
        var users = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await Client.CreateUserAsync(UniqueName()));
        }

        await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", users));

        var withoutFlag = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"{{users[0]}}"}]}]}""");
        var withFlag = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{{users[1]}}\"]"}]}""");

        Assert.Equal(HttpStatusCode.NoContent, withoutFlag.Status);
        Assert.Equal(HttpStatusCode.NoContent, withFlag.Status);
        var remaining = await fixture.WithDbAsync(db => db.GroupMembers.Where(m => m.GroupId == Guid.Parse(id)).Select(m => m.MemberId).ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal([Guid.Parse(users[2])], remaining);
    }

    [Fact]
    public async Task Members_filter_finds_the_groups_of_a_member()
    {
        var user = await Client.CreateUserAsync(UniqueName());
        var with = await Client.CreateGroupAsync($"with-{Guid.NewGuid():N}", $$""","members":[{"value":"{{user}}"}]""");
        await Client.CreateGroupAsync($"without-{Guid.NewGuid():N}");

        var valuePath = await Client.GetScimAsync($"/scim/v2/Groups?filter={Query($"members[value eq \"{user}\"]")}&excludedAttributes=members");
        var dotted = await Client.GetScimAsync($"/scim/v2/Groups?filter={Query($"members.value eq \"{user}\"")}");
        var userGroups = await Client.GetScimAsync($"/scim/v2/Users/{user}");

        Assert.Equal(with, Assert.Single(valuePath.Resources)!["id"]!.GetValue<string>());
        Assert.Equal(with, Assert.Single(dotted.Resources)!["id"]!.GetValue<string>());
        Assert.Equal(with, Assert.Single(userGroups.Body!["groups"]!.AsArray())!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task User_PATCH_and_PUT_answer_with_the_groups_each_user_is_in_even_when_written_together()
    {
        // Eight users, written at once so that they share write batches: users 0-3 are in group A, 2-7 in group B.
        var users = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            users.Add(await Client.CreateUserAsync(UniqueName()));
        }

        var tag = Guid.NewGuid().ToString("N");
        var a = await Client.CreateGroupAsync($"a-{tag}", $",\"members\":[{string.Join(",", users.Take(4).Select(u => $$"""{"value":"{{u}}"}"""))}]");
        var b = await Client.CreateGroupAsync($"b-{tag}", $",\"members\":[{string.Join(",", users.Skip(2).Select(u => $$"""{"value":"{{u}}"}"""))}]");
        string[] Expected(int i) => [.. (i < 4 ? [a] : Array.Empty<string>()).Concat(i >= 2 ? [b] : [])];

        var patches = await Task.WhenAll(users.Select(u => Client.PatchScimAsync($"/scim/v2/Users/{u}",
            """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Changed"}]}""")));
        var put = await Client.PutScimAsync($"/scim/v2/Users/{users[3]}",
            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{UniqueName()}}","title":"Put"}""");
        var unchanged = await Client.PatchScimAsync($"/scim/v2/Users/{users[0]}",
            """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Changed"}]}""");
        var excluded = await Client.PatchScimAsync($"/scim/v2/Users/{users[2]}?excludedAttributes=groups",
            """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Excluded"}]}""");

        string[] GroupsOf(ScimResponse response) =>
            [.. (response.Body!["groups"]?.AsArray() ?? []).Select(g => g!["value"]!.GetValue<string>())];
        for (var i = 0; i < users.Count; i++)
        {
            Assert.Equal(HttpStatusCode.OK, patches[i].Status);
            Assert.Equal("Changed", patches[i].Body!["title"]!.GetValue<string>());
            Assert.Equal(Expected(i), GroupsOf(patches[i]));
        }

        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal(Expected(3), GroupsOf(put));
        var first = put.Body!["groups"]![0]!;
        Assert.Equal($"a-{tag}", first["display"]!.GetValue<string>());
        Assert.EndsWith($"/Groups/{a}", first["$ref"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Expected(0), GroupsOf(unchanged));
        Assert.Equal(HttpStatusCode.OK, excluded.Status);
        Assert.Null(excluded.Body!["groups"]);
        Assert.Equal("Excluded", excluded.Body!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_foreign_or_malformed_member_ids_are_ignored_and_never_become_members()
    {
        var id = await Client.CreateGroupAsync($"g-{Guid.NewGuid():N}");
        var known = await Client.CreateUserAsync(UniqueName());
        var foreign = await fixture.CreateScimClient(Guid.NewGuid()).CreateUserAsync(UniqueName());
        var missing = Guid.NewGuid().ToString();

        var mixed = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", [known, missing]));
        var otherProvider = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", [foreign]));
        var notAnId = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", ["string id 1"]));

        Assert.Equal(HttpStatusCode.NoContent, mixed.Status);
        Assert.Equal(HttpStatusCode.NoContent, otherProvider.Status);
        Assert.Equal(HttpStatusCode.NoContent, notAnId.Status);
        Assert.Equal(1, await MemberCountAsync(id));
        Assert.Equal(1, await fixture.WithDbAsync(db => db.GroupMembers.CountAsync(m => m.GroupId == Guid.Parse(id) && m.MemberId == Guid.Parse(known), TestContext.Current.CancellationToken)));
        var group = await fixture.WithDbAsync(db => db.Groups.AsNoTracking().SingleAsync(g => g.Id == Guid.Parse(id), TestContext.Current.CancellationToken));
        Assert.Equal(2, group.Version); // one real change; the ignored ids bumped nothing
    }

    [Fact]
    public async Task Patch_adding_2500_members_publishes_three_batches_with_increasing_versions()
    {
        var id = await Client.CreateGroupAsync($"big-{Guid.NewGuid():N}");
        var users = await SeedUsersAsync(2500);

        var response = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", users.Select(u => u.ToString())));

        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        Assert.Equal("W/\"4\"", response.ETag);
        Assert.Equal(2500, await MemberCountAsync(id));
        await fixture.Harness.PublishedAsync<ScimGroupMembersAdded>(m => m.GroupId == Guid.Parse(id) && m.Version == 4);
        var batches = fixture.Harness.PublishedNow<ScimGroupMembersAdded>(m => m.GroupId == Guid.Parse(id)).OrderBy(m => m.Version).ToList();
        Assert.Equal([2L, 3L, 4L], batches.Select(b => b.Version));
        Assert.Equal([1000, 1000, 500], batches.Select(b => b.MemberIds.Count));
        Assert.Equal(users.Order(), batches.SelectMany(b => b.MemberIds).Order());

        var removeAll = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members"}]}""");
        Assert.Equal(HttpStatusCode.NoContent, removeAll.Status);
        Assert.Equal(0, await MemberCountAsync(id));
        var removed = await Eventually.WaitAsync(
            () => Task.FromResult(fixture.Harness.PublishedNow<ScimGroupMembersRemoved>(m => m.GroupId == Guid.Parse(id))),
            events => events.Count >= 3, TimeSpan.FromSeconds(15), "three removal batches are published");
        Assert.Equal([5L, 6L, 7L], removed.Select(b => b.Version).Order());
    }

    [Fact]
    public async Task Patch_that_changes_nothing_bumps_nothing_and_publishes_nothing()
    {
        var name = $"same-{Guid.NewGuid():N}";
        var id = await Client.CreateGroupAsync(name);
        var user = await Client.CreateUserAsync(UniqueName(), ""","title":"T" """);

        var empty = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}""");
        var sameName = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"{{name}}"}]}""");
        var removeAbsent = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Remove", [user]));
        var sameTitle = await Client.PatchScimAsync($"/scim/v2/Users/{user}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T"}]}""");
        var emptyUser = await Client.PatchScimAsync($"/scim/v2/Users/{user}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}""");
        var rename = await Client.PatchScimAsync($"/scim/v2/Groups/{id}", $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"{{name}}-2"}]}""");

        Assert.All([empty, sameName, removeAbsent], r => Assert.Equal(HttpStatusCode.NoContent, r.Status));
        Assert.All([empty, sameName, removeAbsent], r => Assert.Equal("W/\"1\"", r.ETag));
        Assert.Equal(HttpStatusCode.OK, sameTitle.Status);
        Assert.Equal("W/\"1\"", sameTitle.ETag);
        Assert.Equal("W/\"1\"", emptyUser.ETag);
        Assert.Equal("W/\"2\"", rename.ETag);
        var renamed = await fixture.Harness.PublishedAsync<ScimGroupRenamed>(m => m.GroupId == Guid.Parse(id));
        Assert.Equal(2, renamed.Version);
        Assert.Single(fixture.Harness.PublishedNow<ScimGroupRenamed>(m => m.GroupId == Guid.Parse(id)));
        Assert.Empty(fixture.Harness.PublishedNow<ScimGroupMembersRemoved>(m => m.GroupId == Guid.Parse(id)));
        Assert.Empty(fixture.Harness.PublishedNow<ScimUserUpdated>(m => m.UserId == Guid.Parse(user)));
    }

    [Fact]
    public async Task Put_group_replaces_attributes_and_members_with_a_diff()
    {
        var a = await Client.CreateUserAsync(UniqueName());
        var b = await Client.CreateUserAsync(UniqueName());
        var c = await Client.CreateUserAsync(UniqueName());
        var id = await Client.CreateGroupAsync($"put-{Guid.NewGuid():N}", $$""","members":[{"value":"{{a}}"},{"value":"{{b}}"}]""");

        var response = await Client.PutScimAsync($"/scim/v2/Groups/{id}", $$"""{"displayName":"put-renamed-{{Guid.NewGuid():N}}","members":[{"value":"{{b}}"},{"value":"{{c}}"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(new[] { b, c }.Order(), response.Body!["members"]!.AsArray().Select(m => m!["value"]!.GetValue<string>()).Order());
        Assert.Equal("W/\"5\"", response.ETag); // created with members (v2), rename (v3), one removal batch (v4), one addition batch (v5)
        var removed = await fixture.Harness.PublishedAsync<ScimGroupMembersRemoved>(m => m.GroupId == Guid.Parse(id));
        Assert.Equal([Guid.Parse(a)], removed.MemberIds);
        Assert.Equal(4, removed.Version);
        var added = await fixture.Harness.PublishedAsync<ScimGroupMembersAdded>(m => m.GroupId == Guid.Parse(id) && m.Version == 5);
        Assert.Equal([Guid.Parse(c)], added.MemberIds);
    }

    [Fact]
    public async Task Delete_group_3_7_returns_204_removes_members_and_publishes_deleted()
    {
        var user = await Client.CreateUserAsync(UniqueName());
        var id = await Client.CreateGroupAsync($"del-{Guid.NewGuid():N}", $$""","members":[{"value":"{{user}}"}]""");
        var parent = await Client.CreateGroupAsync($"parent-{Guid.NewGuid():N}", $$""","members":[{"value":"{{id}}"}]""");

        var response = await Client.DeleteScimAsync($"/scim/v2/Groups/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        (await Client.GetScimAsync($"/scim/v2/Groups/{id}")).AssertError(HttpStatusCode.NotFound);
        Assert.Equal(0, await MemberCountAsync(id));
        Assert.Equal(0, await MemberCountAsync(parent));
        var deleted = await fixture.Harness.PublishedAsync<ScimGroupDeleted>(m => m.GroupId == Guid.Parse(id));
        Assert.Equal(3, deleted.Version);
        var removedFromParent = await fixture.Harness.PublishedAsync<ScimGroupMembersRemoved>(m => m.GroupId == Guid.Parse(parent));
        Assert.Equal([Guid.Parse(id)], removedFromParent.MemberIds);
        Assert.Equal(3, removedFromParent.Version);
    }

    [Fact]
    public async Task Deleting_a_user_removes_it_from_its_groups_with_one_event_per_group()
    {
        var user = await Client.CreateUserAsync(UniqueName());
        var stays = await Client.CreateUserAsync(UniqueName());
        var g1 = await Client.CreateGroupAsync($"g1-{Guid.NewGuid():N}", $$""","members":[{"value":"{{user}}"},{"value":"{{stays}}"}]""");
        var g2 = await Client.CreateGroupAsync($"g2-{Guid.NewGuid():N}", $$""","members":[{"value":"{{user}}"}]""");

        var response = await Client.DeleteScimAsync($"/scim/v2/Users/{user}");

        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        Assert.Equal(1, await MemberCountAsync(g1));
        Assert.Equal(0, await MemberCountAsync(g2));
        foreach (var group in new[] { g1, g2 })
        {
            var removed = await fixture.Harness.PublishedAsync<ScimGroupMembersRemoved>(m => m.GroupId == Guid.Parse(group));
            Assert.Equal([Guid.Parse(user)], removed.MemberIds);
            Assert.Equal(3, removed.Version);
            Assert.Equal("W/\"3\"", (await Client.GetScimAsync($"/scim/v2/Groups/{group}")).ETag);
        }

        await fixture.Harness.PublishedAsync<ScimUserDeleted>(m => m.UserId == Guid.Parse(user) && m.Version == 2);
    }

    [Fact]
    public async Task Users_deleted_while_groups_add_them_leave_no_member_behind_and_every_added_member_a_removal_event()
    {
        // Each round deletes users while six groups add them (PATCH, PUT and POST), all at once. Whichever commits first,
        // nothing may outlive the user: neither a member row nor an added member without a later removal event.
        var ct = TestContext.Current.CancellationToken;
        var groups = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            var users = (await SeedUsersAsync(40)).Select(u => u.ToString()).ToList();
            var roundGroups = new List<string>();
            for (var g = 0; g < 5; g++)
            {
                roundGroups.Add(await Client.CreateGroupAsync($"race-{round}-{g}-{Guid.NewGuid():N}"));
            }

            var writes = roundGroups.Take(4).Select((group, g) => g == 3
                    ? Client.PutScimAsync($"/scim/v2/Groups/{group}", $$"""{"displayName":"race-put-{{Guid.NewGuid():N}}","members":[{{string.Join(",", users.Select(u => $$"""{"value":"{{u}}"}"""))}}]}""")
                    : Client.PatchScimAsync($"/scim/v2/Groups/{group}", MembersPatch(g == 0 ? "Add" : "add", users)))
                .Append(PostGroupAsync(users))
                .ToList();
            var deletes = users.Select(async (user, i) =>
            {
                await Task.Delay(i % 8, ct);
                return await Client.DeleteScimAsync($"/scim/v2/Users/{user}");
            }).ToList();

            var written = await Task.WhenAll(writes);
            Assert.All(written, r => Assert.True(r.Status is HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.Created, $"{r.Status}"));
            Assert.All(await Task.WhenAll(deletes), r => Assert.Equal(HttpStatusCode.NoContent, r.Status));
            groups.AddRange(roundGroups);
            groups.Add(written[^1].Body!["id"]!.GetValue<string>());
        }

        var groupIds = groups.Select(Guid.Parse).ToList();
        Assert.Equal(0, await fixture.WithDbAsync(db => db.GroupMembers.CountAsync(m => groupIds.Contains(m.GroupId), ct)));
        foreach (var group in groupIds)
        {
            // Every version after the first is one event: a rename (the PUT) or a member batch.
            var version = long.Parse((await Client.GetScimAsync($"/scim/v2/Groups/{group}")).ETag!.Trim('W', '/', '"'), CultureInfo.InvariantCulture);
            var events = await Eventually.WaitAsync(() => Task.FromResult(
                    fixture.Harness.PublishedNow<ScimGroupMembersAdded>(m => m.GroupId == group).Select(e => (e.Version, Added: true, e.MemberIds))
                        .Concat(fixture.Harness.PublishedNow<ScimGroupMembersRemoved>(m => m.GroupId == group).Select(e => (e.Version, Added: false, e.MemberIds)))
                        .Concat(fixture.Harness.PublishedNow<ScimGroupRenamed>(m => m.GroupId == group).Select(e => (e.Version, Added: false, MemberIds: (IReadOnlyList<Guid>)[])))
                        .ToList()),
                e => e.Count == version - 1, TimeSpan.FromSeconds(15), "every version of the group is published");
            Assert.Equal(Enumerable.Range(2, (int)version - 1).Select(v => (long)v), events.Select(e => e.Version).Order());
            var members = new HashSet<Guid>();
            foreach (var (_, added, ids) in events.OrderBy(e => e.Version))
            {
                if (added)
                {
                    members.UnionWith(ids);
                }
                else
                {
                    members.ExceptWith(ids);
                }
            }

            Assert.Empty(members);
        }

        async Task<ScimResponse> PostGroupAsync(IEnumerable<string> members) =>
            await Client.PostScimAsync("/scim/v2/Groups",
                $$"""{"displayName":"race-post-{{Guid.NewGuid():N}}","members":[{{string.Join(",", members.Select(u => $$"""{"value":"{{u}}"}"""))}}]}""");
    }

    [Fact]
    public async Task Duplicate_displayName_is_409_uniqueness_even_for_an_identical_retry()
    {
        var name = $"dup-{Guid.NewGuid():N}";
        var body = $$"""{"displayName":"{{name}}","externalId":"e1"}""";
        var first = await Client.PostScimAsync("/scim/v2/Groups", body);
        var retry = await Client.PostScimAsync("/scim/v2/Groups", body);
        var clash = await Client.PostScimAsync("/scim/v2/Groups", $$"""{"displayName":"{{name.ToUpperInvariant()}}"}""");
        var renameClash = await Client.PatchScimAsync($"/scim/v2/Groups/{await Client.CreateGroupAsync($"other-{Guid.NewGuid():N}")}",
            $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"{{name}}"}]}""");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        retry.AssertError(HttpStatusCode.Conflict, "uniqueness");
        clash.AssertError(HttpStatusCode.Conflict, "uniqueness");
        renameClash.AssertError(HttpStatusCode.Conflict, "uniqueness");
        Assert.Equal(1, await fixture.WithDbAsync(db => db.Groups.CountAsync(g => g.ProviderId == _provider && g.DisplayNameKey == name, TestContext.Current.CancellationToken)));
    }

    private async Task<List<Guid>> SeedUsersAsync(int count)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToList();
        await fixture.WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            db.Users.AddRange(ids.Select(id => new Model.ScimUser
            {
                Id = id,
                ProviderId = _provider,
                UserName = $"seed-{id}",
                UserNameKey = $"seed-{id}",
                Active = true,
                Resource = new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"), ["userName"] = $"seed-{id}", ["active"] = true },
                Version = 1,
                CreatedAt = now,
                LastModifiedAt = now,
            }));
            return await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        });
        return ids;
    }
}
