using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.FunctionalTests;

public sealed class ScimUsersApiTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private static StringContent Scim(string json) => new(json, Encoding.UTF8, "application/scim+json");

    private static string UniqueUserName() => $"user-{Guid.NewGuid():N}@contoso.test";

    [Fact]
    public async Task Post_user_returns_201_stores_row_and_publishes_ScimUserProvisioned()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.CreateScimClient(IngestionApiFixture.ProviderA);
        var userName = UniqueUserName();

        var response = await client.PostAsync("/scim/v2/Users", Scim($$$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{{userName}}}","externalId":"ext-1",
             "displayName":"Test User","active":true,"emails":[{"type":"work","value":"{{{userName}}}","primary":true}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Research"}}
            """), ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
        var id = Guid.Parse(body["id"]!.GetValue<string>());
        Assert.Equal(userName, body["userName"]!.GetValue<string>());
        Assert.Equal("User", body["meta"]!["resourceType"]!.GetValue<string>());
        Assert.Equal("W/\"1\"", body["meta"]!["version"]!.GetValue<string>());
        Assert.Equal(response.Headers.Location?.ToString(), body["meta"]!["location"]!.GetValue<string>());
        Assert.EndsWith($"/scim/v2/Users/{id}", response.Headers.Location!.ToString());

        var row = await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == id, ct));
        Assert.Equal(IngestionApiFixture.ProviderA, row.ProviderId);
        Assert.Equal(userName.ToLowerInvariant(), row.UserNameKey);
        Assert.Equal("ext-1", row.ExternalId);
        Assert.True(row.Active);

        var published = await fixture.Harness.PublishedAsync<ScimUserProvisioned>(m => m.UserId == id);
        Assert.Single(fixture.Harness.PublishedNow<ScimUserProvisioned>(m => m.UserId == id));
        Assert.Equal(IngestionApiFixture.ProviderA, published.ProviderId);
        Assert.Equal(1, published.Version);
        Assert.Equal(userName, published.User.Email);
        Assert.Equal("Research", published.User.Attributes["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"]);
        var batched = fixture.Harness.PublishedEvents<ScimUserProvisioned>().Single(e => e.Message.UserId == id);
        Assert.NotEqual(Guid.Empty, batched.MessageId);
        // The relay deletes the row after the broker took the message, so the harness can see it a moment earlier.
        await Eventually.WaitAsync(
            () => fixture.WithDbAsync(db => db.Set<Bifrost.Messaging.OutboxMessage>().CountAsync(ct)),
            count => count == 0, TimeSpan.FromSeconds(15), "the outbox row is removed once published");
    }

    [Fact]
    public async Task Post_user_with_duplicate_userName_in_other_case_returns_409_uniqueness_and_keeps_one_row()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.CreateScimClient(IngestionApiFixture.ProviderA);
        var userName = UniqueUserName();
        (await client.PostAsync("/scim/v2/Users", Scim($$"""{"userName":"{{userName}}"}"""), ct)).EnsureSuccessStatusCode();

        var response = await client.PostAsync("/scim/v2/Users", Scim($$"""{"userName":"{{userName.ToUpperInvariant()}}"}"""), ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", error!["schemas"]![0]!.GetValue<string>());
        Assert.Equal("409", error["status"]!.GetValue<string>());
        Assert.Equal("uniqueness", error["scimType"]!.GetValue<string>());
        Assert.Equal(1, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.UserNameKey == userName.ToLowerInvariant(), ct)));
    }

    [Fact]
    public async Task Same_userName_under_another_provider_is_a_separate_user()
    {
        var ct = TestContext.Current.CancellationToken;
        var userName = UniqueUserName();
        var a = await fixture.CreateScimClient(IngestionApiFixture.ProviderA).PostAsync("/scim/v2/Users", Scim($$"""{"userName":"{{userName}}"}"""), ct);
        var b = await fixture.CreateScimClient(IngestionApiFixture.ProviderB).PostAsync("/scim/v2/Users", Scim($$"""{"userName":"{{userName}}"}"""), ct);

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal(2, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.UserNameKey == userName, ct)));
    }

    [Fact]
    public async Task Get_user_of_another_provider_returns_404_scim_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await fixture.CreateScimClient(IngestionApiFixture.ProviderA).PostAsync("/scim/v2/Users", Scim($$"""{"userName":"{{UniqueUserName()}}"}"""), ct);
        var location = created.Headers.Location!.AbsolutePath;

        var own = await fixture.CreateScimClient(IngestionApiFixture.ProviderA).GetAsync(location, ct);
        var other = await fixture.CreateScimClient(IngestionApiFixture.ProviderB).GetAsync(location, ct);

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("W/\"1\"", own.Headers.ETag?.ToString());
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("application/scim+json", other.Content.Headers.ContentType?.MediaType);
        var error = await other.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal("404", error!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Request_without_provider_header_returns_401_scim_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await fixture.CreateClient().PostAsync("/scim/v2/Users", Scim("""{"userName":"nobody"}"""), ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal("401", error!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"userName\":", "application/scim+json", HttpStatusCode.BadRequest, "invalidSyntax")]
    [InlineData("[1,2]", "application/scim+json", HttpStatusCode.BadRequest, "invalidSyntax")]
    [InlineData("{\"displayName\":\"no userName\"}", "application/json", HttpStatusCode.BadRequest, "invalidValue")]
    [InlineData("{\"userName\":\"x\"}", "text/plain", HttpStatusCode.UnsupportedMediaType, null)]
    public async Task Post_malformed_user_returns_scim_error_and_stores_nothing(string body, string mediaType, HttpStatusCode status, string? scimType)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.CreateScimClient(IngestionApiFixture.ProviderB);
        var before = await fixture.WithDbAsync(db => db.Users.CountAsync(ct));

        var response = await client.PostAsync("/scim/v2/Users", new StringContent(body, Encoding.UTF8, mediaType), ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), error!["status"]!.GetValue<string>());
        Assert.Equal(scimType, error["scimType"]?.GetValue<string>());
        Assert.Equal(before, await fixture.WithDbAsync(db => db.Users.CountAsync(ct)));
    }
}
