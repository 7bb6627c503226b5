using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>
/// Decision i on the whole system: a SCIM request through the gateway is recorded by ingestion with the provider the
/// gateway resolved and the trace id the gateway returned, and the admin API reads it back through the gateway.
/// </summary>
public sealed class ProvisioningLogTests(BifrostAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scim_requests_through_the_gateway_are_listed_by_provider_and_trace_id_without_personal_data()
    {
        var provider = await E2eProvider.CreateAsync(app, $"log-{Guid.NewGuid():N}");
        var scim = provider.Client(app);
        var userName = $"log-{Guid.NewGuid():N}@contoso.test";

        var created = await scim.PostAsync("/scim/v2/Users", new StringContent(
            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}","displayName":"Private Person"}""",
            Encoding.UTF8, "application/scim+json"), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var userId = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        var traceId = Assert.Single(created.Headers.GetValues("X-Trace-Id"));
        var duplicate = await scim.PostAsync("/scim/v2/Users", new StringContent(
            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}"}""", Encoding.UTF8, "application/scim+json"), Ct);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        var admin = app.Admin();
        var byTrace = await Eventually.WaitAsync(
            () => admin.GetFromJsonAsync<JsonObject>($"/api/provisioning-log?traceId={traceId}", Ct),
            page => page!["items"]!.AsArray().Count > 0,
            TimeSpan.FromSeconds(30),
            "the create is in the provisioning log");
        var entry = Assert.Single(byTrace!["items"]!.AsArray())!;
        Assert.Equal(provider.Id, entry["providerId"]!.GetValue<Guid>());
        Assert.Equal(userId, entry["resourceId"]!.GetValue<Guid>());
        Assert.Equal("POST", entry["method"]!.GetValue<string>());
        Assert.Equal("User", entry["resourceType"]!.GetValue<string>());
        Assert.Equal(201, entry["status"]!.GetValue<int>());
        Assert.Equal("success", entry["outcome"]!.GetValue<string>());

        // (The provider's other failures are the 404 probes E2eProvider made while waiting for its token on each replica.)
        var failures = await Eventually.WaitAsync(
            () => admin.GetFromJsonAsync<JsonObject>($"/api/provisioning-log?providerId={provider.Id}&outcome=failure&status=409", Ct),
            page => page!["items"]!.AsArray().Count > 0,
            TimeSpan.FromSeconds(30),
            "the conflict is in the provisioning log");
        var conflict = Assert.Single(failures!["items"]!.AsArray())!;
        Assert.Equal(409, conflict["status"]!.GetValue<int>());
        Assert.Equal("uniqueness", conflict["scimType"]!.GetValue<string>());

        var all = await admin.GetStringAsync($"/api/provisioning-log?providerId={provider.Id}", Ct);
        Assert.DoesNotContain(userName, all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Private Person", all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(provider.Token, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provisioning_log_needs_an_admin_key_and_rejects_bad_parameters_with_a_ValidationProblem()
    {
        var anonymous = await app.CreateGatewayClient(null).GetAsync("/api/provisioning-log", Ct);
        var scimToken = await app.Scim().GetAsync("/api/provisioning-log", Ct);
        var bad = await app.Admin().GetAsync("/api/provisioning-log?limit=501&outcome=maybe", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, scimToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("limit"));
        Assert.True(errors.ContainsKey("outcome"));
    }
}
