using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Bifrost.Gateway.FunctionalTests;

public sealed class GatewayAuthTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static async Task<JsonObject> BodyAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;

    [Fact]
    public async Task Scim_request_with_valid_token_reaches_ingestion_with_trusted_provider_header_only()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/scim/v2/Users?filter=userName%20eq%20%22x%22");
        request.Headers.Authorization = new("Bearer", GatewayFixture.ProviderToken);
        request.Headers.Add("X-Bifrost-Provider", GatewayFixture.OtherProviderId.ToString()); // a spoofing attempt
        request.Headers.Add("x-bifrost-admin-role", "admin");

        var response = await fixture.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("X-Trace-Id"));
        var echo = await BodyAsync(response);
        Assert.Equal("/scim/v2/Users", echo["path"]!.GetValue<string>());
        var headers = echo["headers"]!.AsObject();
        Assert.Equal(GatewayFixture.ProviderId.ToString(), headers["X-Bifrost-Provider"]!.GetValue<string>());
        Assert.False(headers.ContainsKey("X-Bifrost-Admin-Role"));
        Assert.False(headers.ContainsKey("Authorization"));
        Assert.True(headers.ContainsKey("traceparent"));
    }

    [Fact]
    public async Task Each_token_resolves_to_its_own_provider()
    {
        var response = await fixture.CreateClient(GatewayFixture.OtherProviderToken).GetAsync("/scim/v2/Groups", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(GatewayFixture.OtherProviderId.ToString(), (await BodyAsync(response))["headers"]!["X-Bifrost-Provider"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    [InlineData("")]
    [InlineData("a-literal-token")] // configured as a literal outside Development: refused
    [InlineData(GatewayFixture.AdminKey)] // the admin key never works on /scim
    public async Task Scim_request_without_a_valid_token_gets_401_scim_error(string? token)
    {
        var response = await fixture.CreateClient(token).PostAsync("/scim/v2/Users", JsonContent.Create(new { userName = "x" }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        var error = await BodyAsync(response);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", error["schemas"]![0]!.GetValue<string>());
        Assert.Equal("401", error["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Bearer    ")]
    public async Task Malformed_authorization_header_gets_401_scim_error(string header)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/scim/v2/Users");
        request.Headers.TryAddWithoutValidation("Authorization", header);

        var response = await fixture.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("401", (await BodyAsync(response))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Overlong_token_gets_401_without_being_hashed()
    {
        var response = await fixture.CreateClient(new string('x', 5000)).GetAsync("/scim/v2/Users", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Scim_token_never_works_on_the_admin_api()
    {
        var response = await fixture.CreateClient(GatewayFixture.ProviderToken).GetAsync("/api/users", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Viewer_key_can_read_but_not_write()
    {
        var client = fixture.CreateClient(GatewayFixture.ViewerKey);

        var read = await client.GetAsync("/api/users?search=x", TestContext.Current.CancellationToken);
        var write = await client.PostAsync("/api/users", JsonContent.Create(new { }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("viewer", (await BodyAsync(read))["headers"]!["X-Bifrost-Admin-Role"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
    }

    [Fact]
    public async Task Admin_key_can_write()
    {
        var response = await fixture.CreateClient(GatewayFixture.AdminKey).PostAsync("/api/users", JsonContent.Create(new { }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await BodyAsync(response);
        Assert.Equal("POST", echo["method"]!.GetValue<string>());
        Assert.Equal("admin", echo["headers"]!["X-Bifrost-Admin-Role"]!.GetValue<string>());
    }

    [Fact]
    public async Task Provider_admin_api_is_routed_to_identity_for_admins_and_read_only_for_viewers()
    {
        var create = await fixture.CreateClient(GatewayFixture.AdminKey).PostAsync("/api/providers", JsonContent.Create(new { name = "p", kind = "entra" }), TestContext.Current.CancellationToken);
        var rotate = await fixture.CreateClient(GatewayFixture.ViewerKey).PostAsync($"/api/providers/{Guid.NewGuid()}/scim/rotate-token", null, TestContext.Current.CancellationToken);
        var list = await fixture.CreateClient(GatewayFixture.ViewerKey).GetAsync("/api/providers", TestContext.Current.CancellationToken);
        var scimToken = await fixture.CreateClient(GatewayFixture.ProviderToken).GetAsync("/api/providers", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        var echo = await BodyAsync(create);
        Assert.Equal("/api/providers", echo["path"]!.GetValue<string>());
        Assert.Equal("admin", echo["headers"]!["X-Bifrost-Admin-Role"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, rotate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, scimToken.StatusCode);
    }

    [Fact]
    public async Task Unrouted_path_is_denied_without_credentials()
    {
        var response = await fixture.CreateClient().GetAsync("/internal/anything", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
