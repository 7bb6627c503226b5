using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>
/// Teams and business units on the whole system: SCIM through the gateway → ingestion → outbox → RabbitMQ →
/// team-mapping → admin API through the gateway. Each test provisions on a provider of its own.
/// </summary>
public sealed class GovernanceTeamsTests(BifrostAppFixture app)
{
    private const string Department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scim_group_becomes_a_team_that_follows_renames_and_membership_and_keeps_manual_members()
    {
        var (_, scim) = await ProviderWithScimAsync(mappings: null);
        var admin = app.Admin();
        var alice = await CreateUserAsync(scim, department: "Platform");
        var bob = await CreateUserAsync(scim, department: "Platform");
        var name = $"E2E Team {Guid.NewGuid():N}";
        var group = await CreateGroupAsync(scim, name);

        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(scim, $"/scim/v2/Groups/{group}", MembersPatch("Add", alice, bob))).StatusCode);
        var members = await WaitMembersAsync(admin, group, m => m.Count == 2, "both SCIM members are team members");
        Assert.Equal(["scimGroup"], members[alice]);
        Assert.Equal(["scimGroup"], members[bob]);
        var team = (await admin.GetFromJsonAsync<JsonObject>($"/api/teams/{group}", Ct))!;
        Assert.Equal(name, team["name"]!.GetValue<string>());
        Assert.Equal(group, team["scimGroupId"]!.GetValue<Guid>());

        var manual = await admin.PostAsJsonAsync($"/api/teams/{group}/members", new { userId = bob }, Ct);
        Assert.Equal(HttpStatusCode.Created, manual.StatusCode);

        var renamed = name + " renamed";
        var rename = $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"{{renamed}}"}]}""";
        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(scim, $"/scim/v2/Groups/{group}", rename)).StatusCode);
        await Eventually.WaitAsync(
            async () => (await admin.GetFromJsonAsync<JsonObject>($"/api/teams/{group}", Ct))!["name"]!.GetValue<string>(),
            current => current == renamed,
            Propagation,
            "the team follows the group's rename");

        // The sync removes the SCIM members; bob's manual membership survives it.
        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(scim, $"/scim/v2/Groups/{group}", MembersPatch("Remove", alice, bob))).StatusCode);
        members = await WaitMembersAsync(admin, group, m => !m.ContainsKey(alice) && m.GetValueOrDefault(bob)?.Length == 1, "the SCIM members are removed");
        Assert.Equal(["manual"], Assert.Single(members).Value);
        Assert.Equal(bob, members.Keys.Single());
    }

    [Fact]
    public async Task Business_unit_comes_from_an_attribute_rule_set_on_the_provider()
    {
        var department = $"E2E Unit {Guid.NewGuid():N}";
        var (provider, scim) = await ProviderWithScimAsync(mappings: new
        {
            businessUnitRules = new[] { new { attribute = Department, value = "*" } },
            teamRules = new[] { new { attribute = Department, value = department, team = "E2E rule team" } },
        });

        // Identity publishes ProviderMappingsChanged on provider create/update: team-mapping queues a re-evaluation for
        // the provider as soon as it has the rules.
        var admin = app.Admin();
        var deadline = DateTime.UtcNow + Propagation;
        while ((await admin.GetAsync($"/api/teams/recomputations/{provider}", Ct)).StatusCode == HttpStatusCode.NotFound)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("team-mapping never received the provider's rules (identity publishes ProviderMappingsChanged on create and update).");
            }

            await Task.Delay(200, Ct);
        }

        var user = await CreateUserAsync(scim, department);
        var page = await Eventually.WaitAsync(
            () => admin.GetFromJsonAsync<JsonObject>($"/api/business-units?providerId={provider}&search={Uri.EscapeDataString(department)}", Ct),
            p => p!["items"]!.AsArray().Count == 1 && p["items"]![0]!["memberCount"]!.GetValue<int>() == 1,
            Propagation,
            "the business unit named by the user's department exists with the user in it");
        var unit = page!["items"]![0]!;
        Assert.Equal(department, unit["name"]!.GetValue<string>());
        var members = (await admin.GetFromJsonAsync<JsonObject>($"/api/business-units/{unit["id"]!.GetValue<Guid>()}/members", Ct))!["items"]!.AsArray();
        Assert.Equal(user, Assert.Single(members)!["userId"]!.GetValue<Guid>());
        Assert.Equal("attributeMapping", members[0]!["sources"]![0]!["source"]!.GetValue<string>());
        Assert.True(members[0]!["active"]!.GetValue<bool>());

        var teams = (await admin.GetFromJsonAsync<JsonObject>($"/api/teams?providerId={provider}", Ct))!["items"]!.AsArray();
        Assert.Equal("E2E rule team", Assert.Single(teams)!["name"]!.GetValue<string>());
    }

    /// <summary>A new generic provider (with <paramref name="mappings"/> set through PUT) and a SCIM client with its token.</summary>
    private async Task<(Guid Provider, HttpClient Scim)> ProviderWithScimAsync(object? mappings)
    {
        var admin = app.Admin();
        var name = $"e2e-teams-{Guid.NewGuid():N}";
        var created = await admin.PostAsJsonAsync("/api/providers", new { name, kind = "generic" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var provider = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        if (mappings is not null)
        {
            var updated = await admin.PutAsJsonAsync($"/api/providers/{provider}", new { name, kind = "generic", mappings }, Ct);
            Assert.True(updated.IsSuccessStatusCode, await updated.Content.ReadAsStringAsync(Ct));
        }

        var enabled = await admin.PostAsync($"/api/providers/{provider}/scim/enable", null, Ct);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var token = (await enabled.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>();
        var scim = app.CreateGatewayClient(token);
        await Eventually.WaitAsync(
            async () => (await scim.GetAsync("/scim/v2/Users?count=1", Ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            Propagation,
            "the gateway accepts the new token");
        return (provider, scim);
    }

    private static async Task<Guid> CreateUserAsync(HttpClient scim, string department)
    {
        var userName = $"e2e-{Guid.NewGuid():N}@contoso.test";
        var body = $$$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
             "userName":"{{{userName}}}","active":true,
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"{{{department}}}"}}
            """;
        var created = await scim.PostAsync("/scim/v2/Users", new StringContent(body, Encoding.UTF8, "application/scim+json"), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return Guid.Parse((await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>());
    }

    private static async Task<Guid> CreateGroupAsync(HttpClient scim, string displayName)
    {
        var body = $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"{{displayName}}"}""";
        var created = await scim.PostAsync("/scim/v2/Groups", new StringContent(body, Encoding.UTF8, "application/scim+json"), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return Guid.Parse((await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient scim, string path, string body) =>
        scim.PatchAsync(path, new StringContent(body, Encoding.UTF8, "application/scim+json"), Ct);

    private static string MembersPatch(string op, params Guid[] ids) =>
        $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"{{op}}","path":"members","value":[{{string.Join(",", ids.Select(id => $$"""{"value":"{{id}}"}"""))}}]}]}""";

    private static async Task<Dictionary<Guid, string[]>> WaitMembersAsync(HttpClient admin, Guid team, Func<Dictionary<Guid, string[]>, bool> condition, string because) =>
        await Eventually.WaitAsync(
            async () =>
            {
                var response = await admin.GetAsync($"/api/teams/{team}/members", Ct);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return []; // the group's events have not arrived yet
                }

                return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["items"]!.AsArray().ToDictionary(
                    m => m!["userId"]!.GetValue<Guid>(),
                    m => m!["sources"]!.AsArray().Select(s => s!["source"]!.GetValue<string>()).ToArray());
            },
            condition,
            Propagation,
            because);
}
