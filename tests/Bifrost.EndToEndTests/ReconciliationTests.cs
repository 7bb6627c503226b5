using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>Runs after the parallel classes: a run of the Development provider repairs its users and groups in place.</summary>
[CollectionDefinition(nameof(ReconciliationTests), DisableParallelization = true)]
public sealed class ReconciliationCollection;

/// <summary>
/// Reconciliation on the whole running system: the Development provider reads the Graph emulator the AppHost starts,
/// users Entra's push missed are detected and created through ingestion, and appear through the gateway's SCIM API.
/// </summary>
[Collection(nameof(ReconciliationTests))]
public sealed class ReconciliationTests(BifrostAppFixture app)
{
    [Fact]
    public async Task Run_through_the_gateway_recreates_users_the_scim_push_missed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = app.Admin();
        using var scim = app.Scim();

        // Bring the provider in line with Graph first (whatever other tests or the demo provisioned), then lose three users.
        await RunAsync(admin, dryRun: false);
        var users = (await scim.GetFromJsonAsync<JsonObject>($"/scim/v2/Users?filter={Uri.EscapeDataString("active eq true")}&count=3", ct))!["Resources"]!.AsArray();
        Assert.Equal(3, users.Count);
        var lost = users.Select(u => (Id: (string)u!["id"]!, UserName: (string)u["userName"]!)).ToList();
        foreach (var user in lost)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await scim.DeleteAsync($"/scim/v2/Users/{user.Id}", ct)).StatusCode);
        }

        var dry = await RunAsync(admin, dryRun: true);
        Assert.Equal(3, (long)dry["drift"]!["missingUser"]!["found"]!);
        Assert.Equal(0, (long)dry["drift"]!["missingUser"]!["repaired"]!);
        var run = await RunAsync(admin, dryRun: false);

        Assert.Equal(3, (long)run["drift"]!["missingUser"]!["found"]!);
        Assert.Equal(3, (long)run["drift"]!["missingUser"]!["repaired"]!);
        Assert.True((long)run["progress"]!["usersCompared"]! >= 3);
        foreach (var user in lost)
        {
            var found = (await scim.GetFromJsonAsync<JsonObject>($"/scim/v2/Users?filter={Uri.EscapeDataString($"userName eq \"{user.UserName}\"")}", ct))!;
            var resource = Assert.Single(found["Resources"]!.AsArray())!;
            Assert.NotEqual(user.Id, (string?)resource["id"]);
            Assert.True((bool)resource["active"]!);
        }

        var listed = (await admin.GetFromJsonAsync<JsonObject>("/api/reconciliation/runs?limit=1", ct))!;
        Assert.Equal((string?)run["id"], (string?)listed["items"]![0]!["id"]);
    }

    [Fact]
    public async Task Starting_a_run_needs_an_admin_key()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = app.CreateGatewayClient(null);
        var response = await anonymous.PostAsJsonAsync("/api/reconciliation/runs", new { dryRun = true }, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var scimToken = app.Scim();
        Assert.Equal(HttpStatusCode.Unauthorized, (await scimToken.GetAsync("/api/reconciliation/runs", ct)).StatusCode);
    }

    private static async Task<JsonObject> RunAsync(HttpClient admin, bool dryRun)
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await Eventually.WaitAsync(
            () => admin.PostAsJsonAsync("/api/reconciliation/runs", new { providerId = BifrostAppFixture.DevProviderId, dryRun }, ct),
            r => r.StatusCode != HttpStatusCode.Conflict, // a scheduled run may be under way: wait for it
            TimeSpan.FromMinutes(2),
            "no other run of the provider is running");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!;
        var run = await Eventually.WaitAsync(
            async () => (await admin.GetFromJsonAsync<JsonObject>($"/api/reconciliation/runs/{id}", ct))!,
            r => (string?)r["status"] != "running",
            TimeSpan.FromMinutes(3),
            $"run {id} finished");
        Assert.True((string?)run["status"] == "completed", $"run {id}: {run["error"]}");
        return run;
    }
}
