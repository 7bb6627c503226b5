using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bifrost.Contracts.Providers;
using Bifrost.Identity.Model;
using Bifrost.Testing;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bifrost.Identity.FunctionalTests;

public sealed partial class ProvidersApiTests(IdentityApiFixture fixture) : IClassFixture<IdentityApiFixture>
{
    private const string Secret = "s3cr3t-client-value-that-must-never-be-returned";
    private const string EntraTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private const string EntraClient = "11111111-2222-4000-8000-333333333333";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => fixture.CreateClient();

    private static string UniqueName() => $"provider-{Guid.NewGuid():N}";

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static async Task<JsonObject> BodyAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;

    private async Task<JsonObject> CreateAsync(object body)
    {
        var response = await Client.PostAsJsonAsync("/api/providers", body, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await BodyAsync(response);
    }

    private async Task<Guid> CreateProviderAsync(string kind = "entra") =>
        (await CreateAsync(new { name = UniqueName(), kind }))["id"]!.GetValue<Guid>();

    private async Task<JsonObject> EnableAsync(Guid id)
    {
        var response = await Client.PostAsync($"/api/providers/{id}/scim/enable", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await BodyAsync(response);
    }

    private Task<ProvisioningToken?> TokenRowAsync(Guid id) =>
        fixture.WithDbAsync(db => db.ProvisioningTokens.AsNoTracking().SingleOrDefaultAsync(t => t.ProviderId == id, Ct));

    private Task<T> PublishedAsync<T>(Func<T, bool> match) where T : class => fixture.Harness.PublishedAsync(match, seconds: 30);

    private static object EntraBody(string name, string? secret = Secret) => new
    {
        name,
        kind = "entra",
        settings = new { tenantId = EntraTenant, clientId = EntraClient, clientSecret = secret, cloud = "gcc-high" },
        mappings = new
        {
            scimAttributes = new[] { "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode" },
            roleResolutionStrategy = "firstMatch",
            roleRules = new[]
            {
                new { attribute = "groups", value = "Bifrost Admins", role = "admin" },
                new { attribute = "title", value = "*", role = "viewer" },
            },
            teamRules = new object[]
            {
                new { attribute = "groups", value = "Bifrost Playground: ${*} Team" },
                new { attribute = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", value = "Platform", team = "platform" },
            },
            businessUnitRules = new[]
            {
                new { attribute = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode", value = "CC-1", businessUnit = "engineering" },
            },
        },
    };

    [Fact]
    public async Task Post_provider_with_name_and_kind_returns_201_with_id_and_stores_it()
    {
        var name = UniqueName();

        var response = await Client.PostAsJsonAsync("/api/providers", new { name, kind = "okta" }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await BodyAsync(response);
        var id = body["id"]!.GetValue<Guid>();
        Assert.Equal($"/api/providers/{id}", response.Headers.Location!.ToString());
        Assert.Equal(name, body["name"]!.GetValue<string>());
        Assert.Equal("okta", body["kind"]!.GetValue<string>());
        Assert.False(body["scim"]!["enabled"]!.GetValue<bool>());
        Assert.Null(body["scim"]!["tokenCreatedAt"]);
        Assert.False(body["settings"]!["clientSecretConfigured"]!.GetValue<bool>());
        Assert.Equal("mostPermissions", body["mappings"]!["roleResolutionStrategy"]!.GetValue<string>());
        var row = await fixture.WithDbAsync(db => db.Providers.AsNoTracking().SingleAsync(p => p.Id == id, Ct));
        Assert.Equal(ProviderKind.Okta, row.Kind);
        Assert.Null(await TokenRowAsync(id));
    }

    [Fact]
    public async Task Settings_and_mappings_round_trip_and_the_client_secret_is_never_returned()
    {
        var name = UniqueName();

        var created = await Client.PostAsJsonAsync("/api/providers", EntraBody(name), Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdJson = await created.Content.ReadAsStringAsync(Ct);
        var id = JsonNode.Parse(createdJson)!["id"]!.GetValue<Guid>();
        var get = await Client.GetAsync($"/api/providers/{id}", Ct);
        var list = await Client.GetAsync("/api/providers", Ct);
        foreach (var json in new[] { createdJson, await get.Content.ReadAsStringAsync(Ct), await list.Content.ReadAsStringAsync(Ct) })
        {
            Assert.DoesNotContain(Secret, json, StringComparison.Ordinal);
            Assert.DoesNotContain("\"clientSecret\"", json, StringComparison.Ordinal);
        }

        var body = JsonNode.Parse(await get.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(EntraTenant, body["settings"]!["tenantId"]!.GetValue<string>());
        Assert.Equal(EntraClient, body["settings"]!["clientId"]!.GetValue<string>());
        Assert.Equal("gcc-high", body["settings"]!["cloud"]!.GetValue<string>());
        Assert.True(body["settings"]!["clientSecretConfigured"]!.GetValue<bool>());
        var mappings = body["mappings"]!;
        Assert.Equal("firstMatch", mappings["roleResolutionStrategy"]!.GetValue<string>());
        Assert.Equal(["groups", "title"], mappings["roleRules"]!.AsArray().Select(r => r!["attribute"]!.GetValue<string>()));
        Assert.Equal("admin", mappings["roleRules"]![0]!["role"]!.GetValue<string>());
        Assert.Null(mappings["teamRules"]![0]!["team"]);
        Assert.Equal("platform", mappings["teamRules"]![1]!["team"]!.GetValue<string>());
        Assert.Equal("engineering", mappings["businessUnitRules"]![0]!["businessUnit"]!.GetValue<string>());
        Assert.Contains(JsonNode.Parse(await list.Content.ReadAsStringAsync(Ct))!.AsArray(), p => p!["id"]!.GetValue<Guid>() == id);

        var row = await fixture.WithDbAsync(db => db.Providers.AsNoTracking().SingleAsync(p => p.Id == id, Ct));
        Assert.Equal(Secret, row.Settings.ClientSecret);
        Assert.Equal(EntraCloud.GccHigh, row.Settings.Cloud);
    }

    [Fact]
    public async Task Put_without_a_client_secret_keeps_it_and_an_empty_one_clears_it()
    {
        var id = (await CreateAsync(EntraBody(UniqueName(), secret: "env.ENTRA_CLIENT_SECRET")))["id"]!.GetValue<Guid>();
        var renamed = UniqueName();

        var kept = await Client.PutAsJsonAsync($"/api/providers/{id}", EntraBody(renamed, secret: null), Ct);

        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        var body = await BodyAsync(kept);
        Assert.Equal(renamed, body["name"]!.GetValue<string>());
        Assert.True(body["settings"]!["clientSecretConfigured"]!.GetValue<bool>());
        Assert.Equal("env.ENTRA_CLIENT_SECRET", (await fixture.WithDbAsync(db => db.Providers.AsNoTracking().SingleAsync(p => p.Id == id, Ct))).Settings.ClientSecret);

        var cleared = await Client.PutAsJsonAsync($"/api/providers/{id}", EntraBody(renamed, secret: ""), Ct);

        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.False((await BodyAsync(cleared))["settings"]!["clientSecretConfigured"]!.GetValue<bool>());
        Assert.Null((await fixture.WithDbAsync(db => db.Providers.AsNoTracking().SingleAsync(p => p.Id == id, Ct))).Settings.ClientSecret);
    }

    [Fact]
    public async Task Duplicate_name_returns_409_on_create_and_on_rename()
    {
        var name = UniqueName();
        await CreateAsync(new { name, kind = "entra" });
        var other = await CreateProviderAsync();

        var create = await Client.PostAsJsonAsync("/api/providers", new { name, kind = "generic" }, Ct);
        var rename = await Client.PutAsJsonAsync($"/api/providers/{other}", new { name, kind = "entra" }, Ct);

        foreach (var response in new[] { create, rename })
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(409, (await BodyAsync(response))["status"]!.GetValue<int>());
        }

        Assert.Equal(1, await fixture.WithDbAsync(db => db.Providers.CountAsync(p => p.Name == name, Ct)));
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"kind":"entra"}""", "name" },
        { """{"name":"x"}""", "kind" },
        { """{"name":"x","kind":"azure"}""", "kind" },
        { """{"name":"x","kind":"entra","settings":{"clientId":"11111111-2222-4000-8000-333333333333"}}""", "settings.tenantId" },
        { """{"name":"x","kind":"entra","settings":{"tenantId":"not a tenant","clientId":"11111111-2222-4000-8000-333333333333"}}""", "settings.tenantId" },
        { """{"name":"x","kind":"entra","settings":{"tenantId":"common","clientId":"my-app"}}""", "settings.clientId" },
        { """{"name":"x","kind":"entra","settings":{"tenantId":"common","clientId":"11111111-2222-4000-8000-333333333333","cloud":"china"}}""", "settings.cloud" },
        { """{"name":"x","kind":"entra","settings":{"tenantId":"common","clientId":"11111111-2222-4000-8000-333333333333","clientSecret":"env.NOT VALID"}}""", "settings.clientSecret" },
        { """{"name":"x","kind":"okta","settings":{"clientId":"0oa1"}}""", "settings.issuerUrl" },
        { """{"name":"x","kind":"okta","settings":{"issuerUrl":"http://contoso.okta.com","clientId":"0oa1"}}""", "settings.issuerUrl" },
        { """{"name":"x","kind":"generic","settings":{"issuerUrl":"https://idp.contoso.com","clientId":"c","tenantId":"common"}}""", "settings.tenantId" },
        { """{"name":"x","kind":"generic","settings":{"issuerUrl":"https://idp.contoso.com"}}""", "settings.clientId" },
        { """{"name":"x","kind":"entra","mappings":{"roleResolutionStrategy":"highest"}}""", "mappings.roleResolutionStrategy" },
        { """{"name":"x","kind":"entra","mappings":{"roleRules":[{"attribute":"title","value":"Boss","role":"owner"}]}}""", "mappings.roleRules[0].role" },
        { """{"name":"x","kind":"entra","mappings":{"roleRules":[{"attribute":"Title","value":"Boss","role":"admin"}]}}""", "mappings.roleRules[0].attribute" },
        { """{"name":"x","kind":"entra","mappings":{"roleRules":[{"attribute":"title","value":"","role":"admin"}]}}""", "mappings.roleRules[0].value" },
        { """{"name":"x","kind":"entra","mappings":{"roleRules":[{"attribute":"title","value":"x ${*}","role":"admin"}]}}""", "mappings.roleRules[0].value" },
        { """{"name":"x","kind":"entra","mappings":{"teamRules":[{"attribute":"groups","value":"Engineering"}]}}""", "mappings.teamRules[0].team" },
        { """{"name":"x","kind":"entra","mappings":{"teamRules":[{"attribute":"groups","value":"*","team":"all"}]}}""", "mappings.teamRules[0].team" },
        { """{"name":"x","kind":"entra","mappings":{"businessUnitRules":[{"attribute":"employeeID","value":"1","businessUnit":"bu"}]}}""", "mappings.businessUnitRules[0].attribute" },
        { """{"name":"x","kind":"entra","mappings":{"businessUnitRules":[{"attribute":"groups","value":"Sales"}]}}""", "mappings.businessUnitRules[0].businessUnit" },
        { """{"name":"x","kind":"entra","mappings":{"scimAttributes":["employeeID","employeeID"]}}""", "mappings.scimAttributes[1]" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_provider_returns_400_validation_problem_naming_the_field(string body, string field)
    {
        var response = await Client.PostAsync("/api/providers", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await BodyAsync(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"expected an error for '{field}', got: {errors.ToJsonString()}");
        Assert.Equal(0, await fixture.WithDbAsync(db => db.Providers.CountAsync(p => p.Name == "x", Ct)));
    }

    [Fact]
    public async Task Declared_custom_attribute_may_be_used_in_rules()
    {
        var response = await Client.PostAsJsonAsync("/api/providers", new
        {
            name = UniqueName(),
            kind = "generic",
            settings = new { issuerUrl = "https://idp.contoso.com/", clientId = "bifrost" },
            mappings = new
            {
                scimAttributes = new[] { "employeeID" },
                businessUnitRules = new[] { new { attribute = "employeeID", value = "E*", businessUnit = "employees" } },
            },
        }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await BodyAsync(response);
        Assert.Equal("https://idp.contoso.com", body["settings"]!["issuerUrl"]!.GetValue<string>());
        Assert.Equal("employeeID", body["mappings"]!["businessUnitRules"]![0]!["attribute"]!.GetValue<string>());
    }

    [Fact]
    public async Task Enable_returns_the_endpoint_and_a_43_character_token_once_and_stores_only_its_hash()
    {
        var id = await CreateProviderAsync();

        var enabled = await EnableAsync(id);

        var token = enabled["token"]!.GetValue<string>();
        Assert.Matches(TokenFormat(), token);
        Assert.Equal(43, token.Length);
        Assert.Equal($"{IdentityApiFixture.PublicBaseUrl}/scim/v2", enabled["endpointUrl"]!.GetValue<string>());

        var row = (await TokenRowAsync(id))!;
        Assert.Equal(Sha256Hex(token), Convert.ToHexStringLower(row.TokenSha256!));
        Assert.Equal(1, row.Version);
        Assert.Equal(ProvisioningTokenSource.Generated, row.Source);

        var provider = await Client.GetFromJsonAsync<JsonObject>($"/api/providers/{id}", Ct);
        Assert.True(provider!["scim"]!["enabled"]!.GetValue<bool>());
        Assert.NotNull(provider["scim"]!["tokenCreatedAt"]);
        Assert.DoesNotContain(token, provider.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Sha256Hex(token), provider.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        var issued = await PublishedAsync<ProvisioningTokenIssued>(m => m.ProviderId == id && m.Version == 1);
        Assert.Equal(Sha256Hex(token), issued.TokenSha256);
        Assert.DoesNotContain(token, JsonSerializer.Serialize(issued), StringComparison.Ordinal);

        Assert.Empty(await ColumnsContainingAsync(token));
    }

    [Fact]
    public async Task Enable_twice_returns_409_and_keeps_the_first_token()
    {
        var id = await CreateProviderAsync();
        var token = (await EnableAsync(id))["token"]!.GetValue<string>();

        var again = await Client.PostAsync($"/api/providers/{id}/scim/enable", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("rotate", (await BodyAsync(again))["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        var row = (await TokenRowAsync(id))!;
        Assert.Equal(Sha256Hex(token), Convert.ToHexStringLower(row.TokenSha256!));
        Assert.Equal(1, row.Version);
    }

    [Fact]
    public async Task Rotate_issues_a_new_token_and_replaces_the_hash_with_a_newer_version()
    {
        var id = await CreateProviderAsync();
        var old = (await EnableAsync(id))["token"]!.GetValue<string>();

        var response = await Client.PostAsync($"/api/providers/{id}/scim/rotate-token", null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rotated = await BodyAsync(response);
        var token = rotated["token"]!.GetValue<string>();
        Assert.Matches(TokenFormat(), token);
        Assert.NotEqual(old, token);
        Assert.Equal($"{IdentityApiFixture.PublicBaseUrl}/scim/v2", rotated["endpointUrl"]!.GetValue<string>());
        var row = (await TokenRowAsync(id))!;
        Assert.Equal(Sha256Hex(token), Convert.ToHexStringLower(row.TokenSha256!));
        Assert.Equal(2, row.Version);
        var issued = await PublishedAsync<ProvisioningTokenIssued>(m => m.ProviderId == id && m.Version == 2);
        Assert.Equal(Sha256Hex(token), issued.TokenSha256);
        Assert.Empty(await ColumnsContainingAsync(old));
        Assert.Empty(await ColumnsContainingAsync(token));
    }

    [Fact]
    public async Task Rotate_without_scim_enabled_returns_409()
    {
        var id = await CreateProviderAsync();

        var response = await Client.PostAsync($"/api/providers/{id}/scim/rotate-token", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Null(await TokenRowAsync(id));
    }

    [Fact]
    public async Task Disable_revokes_the_token_and_enable_afterwards_issues_a_new_one()
    {
        var id = await CreateProviderAsync();
        await EnableAsync(id);

        var disabled = await Client.PostAsync($"/api/providers/{id}/scim/disable", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        var row = (await TokenRowAsync(id))!;
        Assert.Null(row.TokenSha256);
        Assert.NotNull(row.RevokedAt);
        Assert.Equal(2, row.Version);
        var revoked = await PublishedAsync<ProvisioningTokenRevoked>(m => m.ProviderId == id && m.Version == 2);
        Assert.False(revoked.ProviderDeleted);
        var provider = await Client.GetFromJsonAsync<JsonObject>($"/api/providers/{id}", Ct);
        Assert.False(provider!["scim"]!["enabled"]!.GetValue<bool>());
        Assert.Null(provider["scim"]!["tokenCreatedAt"]);

        var again = await Client.PostAsync($"/api/providers/{id}/scim/disable", null, Ct);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(2, (await TokenRowAsync(id))!.Version);

        var reenabled = await EnableAsync(id);
        Assert.Equal(3, (await TokenRowAsync(id))!.Version);
        await PublishedAsync<ProvisioningTokenIssued>(m => m.ProviderId == id && m.Version == 3 && m.TokenSha256 == Sha256Hex(reenabled["token"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Delete_removes_the_provider_and_revokes_its_token()
    {
        var id = await CreateProviderAsync();
        await EnableAsync(id);

        var deleted = await Client.DeleteAsync($"/api/providers/{id}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/providers/{id}", Ct)).StatusCode);
        var row = (await TokenRowAsync(id))!;
        Assert.Null(row.TokenSha256);
        Assert.True(row.ProviderDeleted);
        var revoked = await PublishedAsync<ProvisioningTokenRevoked>(m => m.ProviderId == id && m.Version == 2);
        Assert.True(revoked.ProviderDeleted);

        var snapshot = await Client.GetFromJsonAsync<JsonObject>("/internal/providers/tokens", Ct);
        var state = Assert.Single(snapshot!["tokens"]!.AsArray(), t => t!["providerId"]!.GetValue<Guid>() == id)!;
        Assert.Null(state["tokenSha256"]);
        Assert.Equal(2, state["version"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("PUT", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/scim/enable")]
    [InlineData("POST", "/scim/rotate-token")]
    [InlineData("POST", "/scim/disable")]
    public async Task Unknown_provider_returns_404(string method, string suffix)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), $"/api/providers/{Guid.NewGuid()}{suffix}");
        if (method == "PUT")
        {
            request.Content = JsonContent.Create(new { name = UniqueName(), kind = "entra" });
        }

        var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Internal_snapshot_lists_each_providers_token_hash_and_version()
    {
        var id = await CreateProviderAsync();
        var token = (await EnableAsync(id))["token"]!.GetValue<string>();

        var snapshot = await Client.GetFromJsonAsync<JsonObject>("/internal/providers/tokens", Ct);

        var state = Assert.Single(snapshot!["tokens"]!.AsArray(), t => t!["providerId"]!.GetValue<Guid>() == id)!;
        Assert.Equal(Sha256Hex(token), state["tokenSha256"]!.GetValue<string>());
        Assert.Equal(1, state["version"]!.GetValue<long>());
        Assert.DoesNotContain(token, snapshot.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_provider_is_seeded_at_start_with_the_token_named_by_its_env_reference()
    {
        var provider = await Client.GetFromJsonAsync<JsonObject>($"/api/providers/{IdentityApiFixture.SeededProviderId}", Ct);

        Assert.Equal("Seeded Entra", provider!["name"]!.GetValue<string>());
        Assert.Equal("entra", provider["kind"]!.GetValue<string>());
        Assert.True(provider["scim"]!["enabled"]!.GetValue<bool>());
        var row = (await TokenRowAsync(IdentityApiFixture.SeededProviderId))!;
        Assert.Equal(Sha256Hex(IdentityApiFixture.SeededToken), Convert.ToHexStringLower(row.TokenSha256!));
        Assert.Equal(ProvisioningTokenSource.Configured, row.Source);
        Assert.Empty(await ColumnsContainingAsync(IdentityApiFixture.SeededToken));
    }

    /// <summary>Every text, jsonb and bytea column of identity's schema whose value contains <paramref name="token"/>.</summary>
    private async Task<List<string>> ColumnsContainingAsync(string token)
    {
        var connectionString = await fixture.WithDbAsync(db => Task.FromResult(db.Database.GetConnectionString()!));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var query = new NpgsqlCommand(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'identity' AND data_type IN ('text', 'character varying', 'jsonb', 'bytea')",
            connection))
        await using (var reader = await query.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        Assert.Contains(columns, c => c is { Table: "provisioning_tokens", Column: "token_sha256" });
        var found = new List<string>();
        foreach (var (table, column, type) in columns)
        {
            var condition = type == "bytea"
                ? $"position(convert_to(@token, 'UTF8') in \"{column}\") > 0"
                : $"strpos(\"{column}\"::text, @token) > 0";
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM identity.\"{table}\" WHERE {condition}", connection);
            command.Parameters.AddWithValue("token", token);
            if ((long)(await command.ExecuteScalarAsync(Ct))! > 0)
            {
                found.Add($"{table}.{column}");
            }
        }

        return found;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex TokenFormat();
}
