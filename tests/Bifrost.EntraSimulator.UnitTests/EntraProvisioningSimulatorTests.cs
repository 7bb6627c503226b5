using System.Text.Json.Nodes;

namespace Bifrost.EntraSimulator.UnitTests;

/// <summary>The simulator's requests and counts against an in-memory SCIM endpoint (the real one is in the E2E tests).</summary>
public sealed class EntraProvisioningSimulatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SimulatorOptions Options(int users = 50, int groups = 5, double skip = 0, int batch = 100) => new()
    {
        Gateway = new Uri("http://gateway.test"),
        Token = "test-token",
        Users = users,
        Groups = groups,
        SkipFraction = skip,
        MemberBatchSize = batch,
        Concurrency = 4,
    };

    [Fact]
    public async Task Initial_cycle_tests_the_connection_then_creates_users_groups_and_memberships_with_Entras_shapes()
    {
        var scim = new FakeScimHandler();
        var simulator = new EntraProvisioningSimulator(Options(batch: 7), TextWriter.Null, scim);
        var directory = simulator.Directory;
        var inScope = Enumerable.Range(0, 50).Where(i => ChangeSet.InScope(directory, i)).ToList();
        var provisioned = inScope.Where(i => directory.User(i)!.AccountEnabled).ToList(); // Entra never creates a disabled user
        var assignedGroups = Enumerable.Range(0, 5).Where(directory.IsGroupInScope).ToList();
        var memberships = assignedGroups.Sum(g => directory.Members(g).Count(provisioned.Contains));

        var summary = await simulator.RunAsync(Ct);

        var requests = scim.Requests.ToList();
        Assert.Matches("^/scim/v2/Users\\?filter=userName\\+eq\\+%22[0-9a-f-]{36}%22$", requests[0].PathAndQuery);
        Assert.Matches("^/scim/v2/Groups\\?excludedAttributes=members&filter=displayName\\+eq\\+%22[0-9a-f-]{36}%22$", requests[1].PathAndQuery);
        Assert.All(requests, r => Assert.Equal("Bearer test-token", r.Authorization));

        Assert.Equal(inScope.Count, summary.UsersInScope);
        Assert.True(provisioned.Count < inScope.Count, "the directory has a disabled user in scope");
        Assert.Equal(inScope.Count - provisioned.Count, summary.UsersDisabledNotCreated);
        Assert.Equal(provisioned.Count, summary.UsersCreated);
        Assert.Equal(provisioned.Count, scim.UserCount);
        Assert.Equal(4, assignedGroups.Count); // group 3 is not assigned to the app: Entra leaves it (and its members) out
        Assert.Equal(assignedGroups.Count, scim.GroupCount);
        Assert.Equal(memberships, scim.MemberCount);
        Assert.Equal(memberships, summary.MembershipsSent);
        Assert.Equal(0, summary.Errors);

        var create = JsonNode.Parse(requests.First(r => r.Method == HttpMethod.Post && r.PathAndQuery == "/scim/v2/Users").Body!)!;
        Assert.Equal(["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            create["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("User", create["meta"]!["resourceType"]!.GetValue<string>());
        Assert.NotNull(create["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["department"]);
        Assert.Empty(create["roles"]!.AsArray());

        var memberPatches = requests.Where(r => r.Method == HttpMethod.Patch && r.PathAndQuery.StartsWith("/scim/v2/Groups/", StringComparison.Ordinal)).ToList();
        Assert.All(memberPatches, p =>
        {
            var op = JsonNode.Parse(p.Body!)!["Operations"]![0]!;
            Assert.Equal("Add", op["op"]!.GetValue<string>());
            Assert.Equal("members", op["path"]!.GetValue<string>());
            Assert.InRange(op["value"]!.AsArray().Count, 1, 7);
        });
        Assert.Equal(summary.MembershipPatches, memberPatches.Count);

        var groupCreate = JsonNode.Parse(requests.First(r => r.Method == HttpMethod.Post && r.PathAndQuery == "/scim/v2/Groups").Body!)!;
        Assert.Null(groupCreate["members"]);
        Assert.Contains("http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group", groupCreate["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public async Task A_second_initial_cycle_matches_everything_and_changes_nothing()
    {
        var scim = new FakeScimHandler();
        await new EntraProvisioningSimulator(Options(), TextWriter.Null, scim).RunAsync(Ct);
        var members = scim.MemberCount;

        var again = await new EntraProvisioningSimulator(Options(), TextWriter.Null, scim).RunAsync(Ct);

        Assert.Equal(0, again.UsersCreated);
        Assert.Equal(again.UsersInScope - again.UsersDisabledNotCreated, again.UsersUnchanged);
        Assert.Equal(4, again.GroupsMatched);
        Assert.Equal(0, again.GroupsCreated);
        Assert.Equal(members, scim.MemberCount);
    }

    [Fact]
    public async Task Skip_fraction_leaves_exactly_the_reported_users_and_memberships_out()
    {
        var scim = new FakeScimHandler();

        var summary = await new EntraProvisioningSimulator(Options(users: 200, groups: 10, skip: 0.25), TextWriter.Null, scim).RunAsync(Ct);

        Assert.InRange(summary.UsersSkipped, 20, 60);
        Assert.True(summary.MembershipsSkipped > 0);
        Assert.Equal(summary.UsersInScope - summary.UsersSkipped - summary.UsersDisabledNotCreated, scim.UserCount);
        Assert.Equal(summary.MembershipsSent, scim.MemberCount);
    }

    [Fact]
    public async Task Throttled_requests_wait_for_Retry_After_and_are_retried_not_failed()
    {
        var scim = new FakeScimHandler();
        scim.ThrottleNext(3);

        var summary = await new EntraProvisioningSimulator(Options(users: 10, groups: 2), TextWriter.Null, scim).RunAsync(Ct);

        Assert.Equal(3, summary.Throttled);
        Assert.Equal(0, summary.Errors);
        Assert.Equal(summary.UsersInScope - summary.UsersDisabledNotCreated, scim.UserCount);
    }

    [Fact]
    public async Task Incremental_cycle_sends_Entras_disable_and_membership_patches_and_skips_the_fraction()
    {
        var scim = new FakeScimHandler();
        await new EntraProvisioningSimulator(Options(users: 200, groups: 10), TextWriter.Null, scim).RunAsync(Ct);
        var before = scim.Requests.Count;

        var summary = await new EntraProvisioningSimulator(Options(users: 200, groups: 10, skip: 0.3) with { Cycle = SimulatorCycle.Incremental, Changes = 40 }, TextWriter.Null, scim).RunAsync(Ct);

        Assert.Equal(40, summary.ChangesSent + summary.ChangesSkipped);
        Assert.InRange(summary.ChangesSkipped, 4, 24);
        Assert.Equal(0, summary.ChangesFailed);
        var patches = scim.Requests.Skip(before).Where(r => r.Method == HttpMethod.Patch).Select(r => JsonNode.Parse(r.Body!)!["Operations"]![0]!).ToList();
        Assert.Equal(summary.ChangesSent, patches.Count);
        Assert.Contains(patches, op => op["path"]!.GetValue<string>() == "active" && op["value"]!.GetValue<string>() == "False");
        Assert.Contains(patches, op => op["op"]!.GetValue<string>() == "Remove" && op["path"]!.GetValue<string>() == "members");
    }

    [Fact]
    public void Change_sets_are_deterministic_and_touch_each_user_once()
    {
        var directory = new GraphEmulator.SyntheticDirectory(new GraphEmulator.DirectoryOptions(500, 20));

        var a = ChangeSet.Generate(directory, 100, 3);
        var b = ChangeSet.Generate(directory, 100, 3);

        Assert.Equal(a, b);
        Assert.Equal(100, a.Count);
        Assert.Equal(100, a.Select(c => c.UserIndex).Distinct().Count());
        Assert.All(Enum.GetValues<ChangeKind>(), kind => Assert.Contains(a, c => c.Kind == kind));
        Assert.All(a.Where(c => c.Kind == ChangeKind.AddMember), c => Assert.False(directory.IsGeneratedMember(c.GroupIndex!.Value, c.UserIndex)));
        Assert.All(a.Where(c => c.Kind == ChangeKind.RemoveMember), c => Assert.True(directory.IsGeneratedMember(c.GroupIndex!.Value, c.UserIndex)));
        Assert.All(a.Where(c => c.GroupIndex is not null), c => Assert.True(directory.IsGroupInScope(c.GroupIndex!.Value)));
        Assert.All(a, c => Assert.True(directory.Options.IsAssigned(c.UserIndex))); // so no change moves a user in or out of scope
    }

    [Fact]
    public void Scope_is_direct_assignment_or_membership_of_an_assigned_group_and_follows_membership_changes()
    {
        var directory = new GraphEmulator.SyntheticDirectory(new GraphEmulator.DirectoryOptions(300, 30));
        var unassigned = Enumerable.Range(0, 300).Where(i => !directory.Options.IsAssigned(i)).ToList();

        var throughGroup = unassigned.First(i => directory.GroupsOf(i).Any(directory.IsGroupInScope));
        var outOfScope = unassigned.First(i => !directory.GroupsOf(i).Any(directory.IsGroupInScope));

        Assert.True(directory.IsUserInScope(1));
        Assert.True(directory.IsUserInScope(throughGroup));
        Assert.False(directory.IsUserInScope(outOfScope));
        Assert.False(directory.IsGroupInScope(3));

        foreach (var group in directory.GroupsOf(throughGroup).Where(directory.IsGroupInScope))
        {
            directory.Overlay.RemoveMember(group, throughGroup);
        }

        Assert.False(directory.IsUserInScope(throughGroup));
        directory.Overlay.AddMember(0, outOfScope, generated: directory.IsGeneratedMember(0, outOfScope));
        Assert.True(directory.IsUserInScope(outOfScope));
        directory.Overlay.DeleteGroup(0);
        Assert.False(directory.IsUserInScope(outOfScope));
    }

    [Theory]
    [InlineData("--users", "ten")]
    [InlineData("--skip-fraction", "1.5")]
    [InlineData("--cycle", "weekly")]
    [InlineData("--colour", "blue")]
    [InlineData("--demo-provider", "not-a-guid")]
    public void Bad_options_are_refused_with_a_message(string name, string value)
    {
        var options = SimulatorOptions.Parse(["--token", "t", name, value], _ => null, out var error);

        Assert.Null(options);
        Assert.Contains(name == "--colour" ? "unknown option" : name, error);
    }

    [Fact]
    public void Options_parse_with_the_token_from_the_environment()
    {
        var options = SimulatorOptions.Parse(["--users", "100000", "--groups", "10000", "--memberships-per-user", "10", "--rate", "250", "--cycle", "incremental"],
            name => name == "ENTRA_SIMULATOR_TOKEN" ? "from-env" : null, out var error);

        Assert.Null(error);
        Assert.Equal("from-env", options!.Token);
        Assert.Equal(10, options.Directory.MembershipsPerUser);
        Assert.Equal(250, options.Rate);
        Assert.Equal(SimulatorCycle.Incremental, options.Cycle);
    }
}
