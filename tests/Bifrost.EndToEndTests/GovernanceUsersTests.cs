using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>
/// These tests hold the system to its latency target (a deactivated user shows suspended within a second), so they
/// run on their own, after the parallel classes, rather than timing the test suite's own load.
/// </summary>
[CollectionDefinition(nameof(GovernanceUsersTests), DisableParallelization = true)]
public sealed class GovernanceUsersCollection;

/// <summary>
/// Governance users on the whole system: a provider of its own (created and enabled through the admin API), SCIM through
/// the gateway, role and reason, state changes, a <c>groups</c> rule, and a rule change recomputed in the background.
/// </summary>
[Collection(nameof(GovernanceUsersTests))]
public sealed class GovernanceUsersTests(BifrostAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Scim(string json) => new(json, Encoding.UTF8, "application/scim+json");

    private static object Rules(string name, params object[] roleRules) => new { name, kind = "entra", mappings = new { roleRules } };

    /// <summary>A new provider with <paramref name="rules"/>, SCIM enabled; returns its id and a client with its token, once a gateway accepts it.</summary>
    private async Task<(Guid Id, string Name, HttpClient Scim)> ProviderAsync(params object[] rules)
    {
        var name = $"e2e-governance-{Guid.NewGuid():N}";
        var created = await app.Admin().PostAsJsonAsync("/api/providers", Rules(name, rules), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        var enabled = await app.Admin().PostAsync($"/api/providers/{id}/scim/enable", null, Ct);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var token = (await enabled.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>();
        var scim = app.CreateGatewayClient(token);
        await Eventually.WaitAsync(
            async () => (await scim.GetAsync("/scim/v2/Users?count=1", Ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "the gateway accepts the new provider's token");
        return (id, name, scim);
    }

    private async Task<string> CreateUserAsync(HttpClient scim, string title)
    {
        var userName = $"e2e-{Guid.NewGuid():N}@contoso.test";
        var response = await scim.PostAsync("/scim/v2/Users", Scim($$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}","active":true,
             "displayName":"Governance E2E","title":"{{title}}","emails":[{"primary":true,"type":"work","value":"{{userName}}"}]}
            """), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();
    }

    private Task<JsonObject> UserWhenAsync(string id, Func<JsonObject, bool> condition, string because, double seconds = 30) =>
        Eventually.WaitAsync(
            async () =>
            {
                var response = await app.Admin().GetAsync($"/api/users/{id}", Ct);
                return response.StatusCode == HttpStatusCode.OK ? (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))! : new JsonObject();
            },
            condition,
            TimeSpan.FromSeconds(seconds),
            because);

    private static string? Role(JsonObject user) => user["role"]?.GetValue<string>();

    private static string? State(JsonObject user) => user["state"]?.GetValue<string>();

    private static StringContent Active(bool active) =>
        Scim($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"{{(active ? "True" : "False")}}"}]}""");

    [Fact]
    public async Task Role_and_state_follow_scim_and_a_rule_change_is_recomputed_in_the_background()
    {
        var (provider, name, scim) = await ProviderAsync(new { attribute = "title", value = "Lead", role = "admin" });
        var id = await CreateUserAsync(scim, "lead");

        var user = await UserWhenAsync(id, u => Role(u) == "admin", "identity gives the user the admin role");
        Assert.Equal("active", State(user));
        Assert.Equal("title", user["roleReason"]!["attribute"]!.GetValue<string>());
        Assert.Equal("lead", user["roleReason"]!["matchedValue"]!.GetValue<string>());
        Assert.Equal(0, user["roleReason"]!["ruleIndex"]!.GetValue<int>());

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await scim.PatchAsync($"/scim/v2/Users/{id}", Active(false), Ct)).StatusCode);
        await UserWhenAsync(id, u => State(u) == "suspended", "the deactivated user shows suspended", seconds: 10);
        var suspendedAfter = clock.Elapsed;
        Assert.True(suspendedAfter < TimeSpan.FromSeconds(1), $"suspended after {suspendedAfter.TotalMilliseconds:0} ms");

        Assert.Equal(HttpStatusCode.OK, (await scim.PatchAsync($"/scim/v2/Users/{id}", Active(true), Ct)).StatusCode);
        await UserWhenAsync(id, u => State(u) == "active", "the reactivated user shows active");

        var put = await app.Admin().PutAsJsonAsync($"/api/providers/{provider}", Rules(name,
            new { attribute = "title", value = "Manager", role = "admin" }, new { attribute = "title", value = "*", role = "viewer" }), Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var recomputation = await Eventually.WaitAsync(
            () => app.Admin().GetFromJsonAsync<JsonObject>($"/api/providers/{provider}/recomputation", Ct),
            r => r!["status"]!.GetValue<string>() == "completed",
            TimeSpan.FromSeconds(30),
            "the role recomputation completes");
        Assert.Equal(1, recomputation!["total"]!.GetValue<int>());
        Assert.Equal(1, recomputation["processed"]!.GetValue<int>());
        user = await UserWhenAsync(id, u => Role(u) is not null, "the user has a role");
        Assert.Equal("viewer", Role(user));
        Assert.Equal(1, user["roleReason"]!["ruleIndex"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.NoContent, (await scim.DeleteAsync($"/scim/v2/Users/{id}", Ct)).StatusCode);
        await UserWhenAsync(id, u => State(u) == "deleted", "the deleted user shows deleted");
        var deleted = await app.Admin().GetFromJsonAsync<JsonObject>($"/api/users?providerId={provider}&state=deleted", Ct);
        Assert.Equal(id, Assert.Single(deleted!["items"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Group_membership_drives_a_groups_role_rule()
    {
        var group = $"E2E Developers {Guid.NewGuid():N}"[..24];
        var (provider, _, scim) = await ProviderAsync(new { attribute = "groups", value = group, role = "developer" });
        var id = await CreateUserAsync(scim, "Engineer");
        var user = await UserWhenAsync(id, u => State(u) == "active", "identity lists the user");
        Assert.Null(user["role"]);

        var created = await scim.PostAsync("/scim/v2/Groups", Scim($$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"{{group}}","members":[{"value":"{{id}}"}]}
            """), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var groupId = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();

        user = await UserWhenAsync(id, u => Role(u) == "developer", "membership gives the developer role");
        Assert.Equal("groups", user["roleReason"]!["attribute"]!.GetValue<string>());
        Assert.Equal(group, user["roleReason"]!["matchedValue"]!.GetValue<string>());
        Assert.Equal(groupId, Assert.Single(user["groups"]!.AsArray())!["id"]!.GetValue<string>());
        var developers = await app.Admin().GetFromJsonAsync<JsonObject>($"/api/users?providerId={provider}&role=developer", Ct);
        Assert.Equal(1, developers!["total"]!.GetValue<int>());

        var removed = await scim.PatchAsync($"/scim/v2/Groups/{groupId}", Scim($$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members[value eq \"{{id}}\"]"}]}
            """), Ct);
        Assert.True(removed.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, $"{removed.StatusCode}");
        user = await UserWhenAsync(id, u => u["groups"]?.AsArray().Count == 0, "the removal reaches identity");
        Assert.Null(user["role"]);
    }
}
