using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>Entra → gateway → ingestion → outbox → RabbitMQ → identity → admin API, on the whole running system.</summary>
public sealed class ProvisioningSliceTests(BifrostAppFixture app)
{
    [Fact]
    public async Task Scim_user_created_through_the_gateway_is_listed_by_identity_in_the_same_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        var userName = $"e2e-{Guid.NewGuid():N}@contoso.test";
        var body = $$$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
             "userName":"{{{userName}}}","active":true,"displayName":"End To End",
             "emails":[{"primary":true,"type":"work","value":"{{{userName}}}"}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Platform"}}
            """;

        var created = await app.Scim().PostAsync("/scim/v2/Users", new StringContent(body, Encoding.UTF8, "application/scim+json"), ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var scimUser = (await created.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        var id = scimUser["id"]!.GetValue<string>();
        Assert.StartsWith(app.CreateGatewayClient(null).BaseAddress!.ToString().TrimEnd('/'), created.Headers.Location!.ToString());
        var traceId = Assert.Single(created.Headers.GetValues("X-Trace-Id"));

        var list = await Eventually.WaitAsync(
            () => app.Admin().GetFromJsonAsync<JsonObject>($"/api/users?search={Uri.EscapeDataString(userName)}", ct),
            page => page!["total"]!.GetValue<int>() == 1,
            TimeSpan.FromSeconds(30),
            "identity lists the provisioned user");
        var listed = list!["items"]![0]!;
        Assert.Equal(id, listed["id"]!.GetValue<string>());
        Assert.Equal(BifrostAppFixture.DevProviderId, listed["providerId"]!.GetValue<Guid>());
        Assert.Equal("active", listed["state"]!.GetValue<string>());
        Assert.Equal(userName, listed["email"]!.GetValue<string>());
        Assert.Equal("Platform", listed["attributes"]!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"]!.GetValue<string>());

        // The trace the gateway started (its id returned in X-Trace-Id) reached the identity consumer through the
        // ingestion handler, the outbox row and the relay's publish: any broken hop gives a different trace id.
        Assert.Equal(traceId, listed["lastTraceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_token_is_rejected_with_a_scim_error_and_the_admin_key_is_refused_on_scim()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var client in new[] { app.CreateGatewayClient("not-a-token"), app.CreateGatewayClient(BifrostAppFixture.DevAdminKey), app.CreateGatewayClient(null) })
        {
            var response = await client.GetAsync("/scim/v2/Users/00000000-0000-0000-0000-000000000000", ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("401", (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["status"]!.GetValue<string>());
        }

        var scimTokenOnApi = await app.Scim().GetAsync("/api/users", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, scimTokenOnApi.StatusCode);
    }
}
