using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>
/// Providers and provisioning tokens on the whole system: identity issues, rotates and revokes; every gateway replica
/// learns it from its own event queue (decision b: the old token dies everywhere in under a second).
/// </summary>
public sealed class ProviderTokenRotationTests(BifrostAppFixture app)
{
    private static readonly TimeSpan PropagationTarget = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rotated_then_disabled_token_is_refused_by_every_gateway_replica_within_a_second()
    {
        var admin = app.Admin();
        var created = await admin.PostAsJsonAsync("/api/providers", new { name = $"e2e-{Guid.NewGuid():N}", kind = "entra" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var providerId = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();

        var enabled = await admin.PostAsync($"/api/providers/{providerId}/scim/enable", null, Ct);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var enable = (await enabled.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        var first = enable["token"]!.GetValue<string>();
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first);
        Assert.Equal(app.CreateGatewayClient(null).BaseAddress!.ToString().TrimEnd('/') + "/scim/v2", enable["endpointUrl"]!.GetValue<string>());
        var issuance = await WaitOnEveryReplicaAsync(first, accepted: true);
        Report("issue", issuance);

        // The token provisions for its own provider.
        var userName = $"rotation-{Guid.NewGuid():N}@contoso.test";
        var user = await app.CreateGatewayClient(first, "gateway-2").PostAsync("/scim/v2/Users", new StringContent(
            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}","active":true}""",
            Encoding.UTF8, "application/scim+json"), Ct);
        Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        await Eventually.WaitAsync(
            () => admin.GetFromJsonAsync<JsonObject>($"/api/users?providerId={providerId}&search={Uri.EscapeDataString(userName)}", Ct),
            page => page!["total"]!.GetValue<int>() == 1,
            TimeSpan.FromSeconds(30),
            "identity lists the user under the new provider");

        var rotated = await admin.PostAsync($"/api/providers/{providerId}/scim/rotate-token", null, Ct);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>();
        var rotation = await WaitOnEveryReplicaAsync(first, accepted: false);
        Report("rotate (old token refused)", rotation);
        foreach (var gateway in BifrostAppFixture.Gateways)
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, await StatusAsync(gateway, second));
        }

        Assert.All(rotation.Values, elapsed => Assert.True(elapsed < PropagationTarget, $"rotation took {elapsed.TotalMilliseconds:0} ms on a replica"));

        var disabled = await admin.PostAsync($"/api/providers/{providerId}/scim/disable", null, Ct);
        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        var revocation = await WaitOnEveryReplicaAsync(second, accepted: false);
        Report("disable", revocation);
        Assert.All(revocation.Values, elapsed => Assert.True(elapsed < PropagationTarget, $"disable took {elapsed.TotalMilliseconds:0} ms on a replica"));

        var refused = await app.CreateGatewayClient(second, "gateway-2").GetAsync("/scim/v2/Users", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/scim+json", refused.Content.Headers.ContentType?.MediaType);
        var provider = await admin.GetFromJsonAsync<JsonObject>($"/api/providers/{providerId}", Ct);
        Assert.False(provider!["scim"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Development_provider_is_seeded_into_identity_and_its_token_works_on_every_replica()
    {
        var provider = await app.Admin().GetFromJsonAsync<JsonObject>($"/api/providers/{BifrostAppFixture.DevProviderId}", Ct);

        Assert.True(provider!["scim"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("entra", provider["kind"]!.GetValue<string>());
        foreach (var gateway in BifrostAppFixture.Gateways)
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(gateway, BifrostAppFixture.DevScimToken));
        }
    }

    /// <summary>SCIM status of a request with <paramref name="token"/>: 401 when refused, 404 (no such user) when accepted.</summary>
    private async Task<HttpStatusCode> StatusAsync(string gateway, string token) =>
        (await app.CreateGatewayClient(token, gateway).GetAsync("/scim/v2/Users/00000000-0000-0000-0000-000000000000", Ct)).StatusCode;

    /// <summary>Polls every replica until it accepts (or refuses) the token; returns the time each one took.</summary>
    private async Task<Dictionary<string, TimeSpan>> WaitOnEveryReplicaAsync(string token, bool accepted)
    {
        var clock = Stopwatch.StartNew();
        var pending = BifrostAppFixture.Gateways.ToDictionary(g => g, g => app.CreateGatewayClient(token, g));
        var done = new Dictionary<string, TimeSpan>();
        while (pending.Count > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"replicas {string.Join(", ", pending.Keys)} still {(accepted ? "refuse" : "accept")} the token");
            foreach (var (gateway, client) in pending.ToList())
            {
                var status = (await client.GetAsync("/scim/v2/Users/00000000-0000-0000-0000-000000000000", Ct)).StatusCode;
                if ((status != HttpStatusCode.Unauthorized) == accepted)
                {
                    done[gateway] = clock.Elapsed;
                    pending.Remove(gateway);
                }
            }

            await Task.Delay(10, Ct);
        }

        return done;
    }

    private static void Report(string change, Dictionary<string, TimeSpan> elapsed)
    {
        var line = $"token propagation, {change}: " + string.Join(", ", elapsed.Select(e => $"{e.Key} {e.Value.TotalMilliseconds:0} ms"));
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
    }
}
