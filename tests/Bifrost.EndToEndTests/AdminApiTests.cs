using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Bifrost.EndToEndTests;

/// <summary>Admin-key roles through the whole system, and the admin API's OpenAPI documents, served per service by the gateway to admin keys only.</summary>
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

    [Fact]
    public async Task A_viewer_key_reads_everything_and_changes_nothing_while_the_admin_key_may_write()
    {
        var name = $"e2e-roles-{Guid.NewGuid():N}";

        // Reads: every service's admin API answers a viewer.
        foreach (var path in new[] { "/api/users?limit=1", "/api/providers", "/api/teams?limit=1", "/api/business-units?limit=1", "/api/provisioning-log?limit=1", "/api/reconciliation/runs" })
        {
            var read = await app.Viewer().GetAsync(path, Ct);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"GET {path} as viewer: {(int)read.StatusCode}");
        }

        // Writes: 403 with a problem body, and nothing is created.
        var denied = await app.Viewer().PostAsJsonAsync("/api/providers", new { name, kind = "generic" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("application/problem+json", denied.Content.Headers.ContentType?.MediaType);
        var deniedRun = await app.Viewer().PostAsJsonAsync("/api/reconciliation/runs", new { dryRun = true }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, deniedRun.StatusCode);
        var providers = await app.Admin().GetFromJsonAsync<JsonNode>("/api/providers", Ct);
        Assert.DoesNotContain(name, providers!.ToJsonString(), StringComparison.Ordinal);

        // The admin key may write the same thing.
        var created = await app.Admin().PostAsJsonAsync("/api/providers", new { name, kind = "generic" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Viewer().DeleteAsync($"/api/providers/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Viewer().GetAsync($"/api/providers/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin().DeleteAsync($"/api/providers/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Keys_and_tokens_only_open_their_own_door()
    {
        // No key or an unknown key: 401. Neither admin key opens SCIM; the SCIM token does not open the admin API.
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateGatewayClient(null).GetAsync("/api/users", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateGatewayClient("not-a-key").GetAsync("/api/users", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Scim().GetAsync("/api/users", Ct)).StatusCode);
        foreach (var key in new[] { BifrostAppFixture.DevAdminKey, BifrostAppFixture.DevViewerKey })
        {
            var scim = await app.CreateGatewayClient(key).GetAsync("/scim/v2/Users?count=1", Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, scim.StatusCode);
            var error = (await scim.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
            Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", error["schemas"]![0]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task The_seeded_development_provider_saves_back_unchanged_as_the_demo_does()
    {
        // The demo reads the development provider and PUTs it back with its rules: the seeded Graph settings must pass
        // the same validation as anything an admin types (a tenant id that is not a GUID once broke the demo).
        var provider = (await app.Admin().GetFromJsonAsync<JsonObject>($"/api/providers/{BifrostAppFixture.DevProviderId}", Ct))!;
        var settings = provider["settings"] as JsonObject;
        var request = new JsonObject
        {
            ["name"] = provider["name"]!.DeepClone(),
            ["kind"] = provider["kind"]!.DeepClone(),
            ["settings"] = settings is null ? null : new JsonObject
            {
                ["tenantId"] = settings["tenantId"]?.DeepClone(),
                ["clientId"] = settings["clientId"]?.DeepClone(),
                ["cloud"] = settings["cloud"]?.DeepClone(),
            },
            ["mappings"] = provider["mappings"]?.DeepClone(),
        };

        var saved = await app.Admin().PutAsJsonAsync($"/api/providers/{BifrostAppFixture.DevProviderId}", request, Ct);

        Assert.True(saved.StatusCode == HttpStatusCode.OK, $"PUT answered {(int)saved.StatusCode}: {await saved.Content.ReadAsStringAsync(Ct)}");
        var after = (await saved.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(settings?["tenantId"]?.GetValue<string>(), after["settings"]?["tenantId"]?.GetValue<string>());
    }
}
