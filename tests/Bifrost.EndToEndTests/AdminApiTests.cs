using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Bifrost.EndToEndTests;

/// <summary>The admin API's OpenAPI documents, served per service by the gateway to admin keys only.</summary>
public sealed class AdminApiTests(BifrostAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string[]> Documents => new()
    {
        { "ingestion", ["/api/provisioning-log"] },
        { "identity", ["/api/providers", "/api/providers/{id}", "/api/providers/{id}/scim/enable", "/api/providers/{id}/scim/rotate-token", "/api/users"] },
        { "team-mapping", ["/api/teams", "/api/teams/{id}/members"] },
        { "reconciliation", [] },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task OpenApi_document_of_each_service_lists_its_admin_routes_and_nothing_else(string service, string[] routes)
    {
        var response = await app.Admin().GetAsync($"/api/openapi/{service}.json", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
        Assert.EndsWith("admin API", document["info"]!["title"]!.GetValue<string>());
        var paths = document["paths"]?.AsObject().Select(p => p.Key.TrimEnd('/')).ToList() ?? [];
        foreach (var route in routes)
        {
            Assert.Contains(route, paths);
        }

        // The admin document only: no SCIM routes, no internal ones, no health endpoints.
        Assert.All(paths, path => Assert.StartsWith("/api/", path + "/"));
    }

    [Fact]
    public async Task OpenApi_documents_need_an_admin_key_and_refuse_a_scim_token()
    {
        var anonymous = await app.CreateGatewayClient(null).GetAsync("/api/openapi/identity.json", Ct);
        var scim = await app.Scim().GetAsync("/api/openapi/identity.json", Ct);
        var unknownService = await app.Admin().GetAsync("/api/openapi/nothing.json", Ct);
        var scimPath = await app.Scim().GetAsync("/scim/v2/openapi/v1.json", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, scim.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownService.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, scimPath.StatusCode);
    }
}
