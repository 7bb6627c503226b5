using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.EntraSimulator;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>
/// The Entra simulator's initial cycle through the real gateway and ingestion, each test on a provider of its own
/// (so the counts are its own): every in-scope user (assigned directly or through an assigned group), every assigned
/// group and every membership arrive, as the SCIM API and
/// identity show them; with a skip fraction exactly the skipped ones are missing.
/// </summary>
public sealed class EntraSimulatorTests(BifrostAppFixture app)
{
    private const int Users = 50;
    private const int Groups = 5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Initial_cycle_provisions_every_in_scope_user_group_and_membership_through_the_gateway()
    {
        var (providerId, token) = await NewProviderAsync();
        var simulator = new EntraProvisioningSimulator(Options(token, skip: 0), TextWriter.Null);
        var directory = simulator.Directory;
        var inScope = Enumerable.Range(0, Users).Where(i => ChangeSet.InScope(directory, i)).ToHashSet();
        var provisioned = inScope.Where(i => directory.User(i)!.AccountEnabled).ToHashSet(); // Entra never creates a disabled user
        var assignedGroups = Enumerable.Range(0, Groups).Where(directory.IsGroupInScope).ToList();
        Assert.InRange(assignedGroups.Count, 1, Groups - 1); // some groups are not assigned to the app: Entra leaves them out
        Assert.Contains(inScope, i => !directory.Options.IsAssigned(i)); // some users are in scope only through a group
        var expectedMembers = assignedGroups.ToDictionary(g => directory.Group(g).DisplayName, g => directory.Members(g).Count(provisioned.Contains));

        var summary = await simulator.RunAsync(Ct);

        Assert.Equal(0, summary.Errors);
        Assert.Equal(provisioned.Count, summary.UsersCreated);
        Assert.Equal(assignedGroups.Count, summary.GroupsCreated);
        Assert.Equal(expectedMembers.Values.Sum(), summary.MembershipsSent);

        var scim = app.CreateGatewayClient(token);
        Assert.Equal(provisioned.Count, await TotalAsync(scim, "/scim/v2/Users?count=0"));
        Assert.Equal(expectedMembers, await MembersByGroupAsync(scim));

        // One user as Entra sent it: matching attribute, enterprise extension, the manager set in the later pass.
        var user = directory.User(provisioned.First(i => i > 0 && provisioned.Contains(i / 10)))!;
        var found = await scim.GetFromJsonAsync<JsonObject>($"/scim/v2/Users?filter=userName eq \"{user.UserPrincipalName}\"", Ct);
        var resource = found!["Resources"]![0]!;
        Assert.Equal(user.UserPrincipalName, resource["userName"]!.GetValue<string>());
        Assert.Equal(user.AccountEnabled, resource["active"]!.GetValue<bool>());
        var enterprise = resource[EntraRequests.EnterpriseSchema]!;
        Assert.Equal(user.Department, enterprise["department"]!.GetValue<string>());
        Assert.Equal(user.EmployeeId, enterprise["employeeNumber"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(enterprise["manager"]?["value"]?.GetValue<string>()));

        // The events flowed: identity holds every provisioned user under this provider.
        await Eventually.WaitAsync(
            () => app.Admin().GetFromJsonAsync<JsonObject>($"/api/users?providerId={providerId}&limit=1", Ct),
            page => page!["total"]!.GetValue<int>() == provisioned.Count,
            TimeSpan.FromSeconds(60),
            "identity lists every provisioned user");

        // A second initial cycle matches everything and creates nothing (Entra after a restart).
        var again = await new EntraProvisioningSimulator(Options(token, skip: 0), TextWriter.Null).RunAsync(Ct);
        Assert.Equal(0, again.Errors);
        Assert.Equal(0, again.UsersCreated);
        Assert.Equal(assignedGroups.Count, again.GroupsMatched);
        Assert.Equal(provisioned.Count, await TotalAsync(scim, "/scim/v2/Users?count=0"));
    }

    [Fact]
    public async Task Skip_fraction_leaves_exactly_the_skipped_users_and_memberships_missing()
    {
        var (_, token) = await NewProviderAsync();
        const double skip = 0.2;
        var simulator = new EntraProvisioningSimulator(Options(token, skip), TextWriter.Null);
        var directory = simulator.Directory;
        var sent = Enumerable.Range(0, Users)
            .Where(i => ChangeSet.InScope(directory, i) && directory.User(i)!.AccountEnabled && !EntraProvisioningSimulator.IsSkipped(skip, directory.Options.Seed, "user", i))
            .ToHashSet();
        var expectedMembers = Enumerable.Range(0, Groups).Where(directory.IsGroupInScope).ToDictionary(
            g => directory.Group(g).DisplayName,
            g => directory.Members(g).Count(u => sent.Contains(u) && !EntraProvisioningSimulator.IsSkipped(skip, directory.Options.Seed, "membership", ((long)g << 32) | (uint)u)));

        var summary = await simulator.RunAsync(Ct);

        Assert.Equal(0, summary.Errors);
        Assert.True(summary.UsersSkipped > 0, "a fifth of 40 users: some are skipped");
        Assert.Equal(summary.UsersInScope - summary.UsersSkipped - summary.UsersDisabledNotCreated, sent.Count);
        var scim = app.CreateGatewayClient(token);
        Assert.Equal(sent.Count, await TotalAsync(scim, "/scim/v2/Users?count=0"));
        Assert.Equal(expectedMembers, await MembersByGroupAsync(scim));
        Assert.Equal(expectedMembers.Values.Sum(), summary.MembershipsSent);
    }

    private SimulatorOptions Options(string token, double skip) => new()
    {
        Gateway = app.CreateGatewayClient(null).BaseAddress!,
        Token = token,
        Users = Users,
        Groups = Groups,
        Seed = 4242,
        Concurrency = 4,
        MemberBatchSize = 3,
        SkipFraction = skip,
    };

    /// <summary>A provider of the test's own, SCIM enabled, its token accepted by the first gateway.</summary>
    private async Task<(Guid ProviderId, string Token)> NewProviderAsync()
    {
        var admin = app.Admin();
        var created = await admin.PostAsJsonAsync("/api/providers", new { name = $"simulator-{Guid.NewGuid():N}", kind = "entra" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var providerId = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        var enabled = await admin.PostAsync($"/api/providers/{providerId}/scim/enable", null, Ct);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var token = (await enabled.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>();
        var scim = app.CreateGatewayClient(token);
        await Eventually.WaitAsync(
            async () => (await scim.GetAsync("/scim/v2/Users?count=0", Ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "the gateway accepts the new token");
        return (providerId, token);
    }

    private static async Task<int> TotalAsync(HttpClient scim, string path) =>
        (await scim.GetFromJsonAsync<JsonObject>(path, Ct))!["totalResults"]!.GetValue<int>();

    private static async Task<Dictionary<string, int>> MembersByGroupAsync(HttpClient scim)
    {
        var list = await scim.GetFromJsonAsync<JsonObject>("/scim/v2/Groups?excludedAttributes=members&count=100", Ct);
        var result = new Dictionary<string, int>();
        foreach (var group in list!["Resources"]!.AsArray())
        {
            var full = await scim.GetFromJsonAsync<JsonObject>($"/scim/v2/Groups/{group!["id"]!.GetValue<string>()}", Ct);
            result[full!["displayName"]!.GetValue<string>()] = (full["members"] as JsonArray)?.Count ?? 0;
        }

        return result;
    }
}
