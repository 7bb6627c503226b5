using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>A SCIM answer: status, headers and the parsed body (null when there is none).</summary>
public sealed record ScimResponse(HttpStatusCode Status, JsonObject? Body, HttpResponseMessage Message)
{
    public string? ContentType => Message.Content.Headers.ContentType?.MediaType;
    public string? ETag => Message.Headers.ETag?.ToString();
    public string Id => Body!["id"]!.GetValue<string>();
    public Guid Guid => System.Guid.Parse(Id);
    public JsonArray Resources => Body!["Resources"]!.AsArray();
    public int TotalResults => Body!["totalResults"]!.GetValue<int>();

    /// <summary>Asserts a SCIM error body with this status (and scimType when given).</summary>
    public ScimResponse AssertError(HttpStatusCode status, string? scimType = null)
    {
        Assert.Equal(status, Status);
        Assert.Equal("application/scim+json", ContentType);
        Assert.NotNull(Body);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", Body!["schemas"]![0]!.GetValue<string>());
        Assert.Equal(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), Body["status"]!.GetValue<string>());
        if (scimType is not null)
        {
            Assert.Equal(scimType, Body["scimType"]?.GetValue<string>());
        }

        return this;
    }
}

public static class ScimTestClient
{
    public static StringContent Scim(string json) => new(json, Encoding.UTF8, "application/scim+json");

    public static string UniqueName(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@contoso.test";

    public static async Task<ScimResponse> SendScimAsync(this HttpClient client, HttpMethod method, string path, string? json = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = Scim(json);
        }

        configure?.Invoke(request);
        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return new ScimResponse(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject(), response);
    }

    public static Task<ScimResponse> GetScimAsync(this HttpClient client, string path, Action<HttpRequestMessage>? configure = null) =>
        client.SendScimAsync(HttpMethod.Get, path, null, configure);

    public static Task<ScimResponse> PostScimAsync(this HttpClient client, string path, string json, Action<HttpRequestMessage>? configure = null) =>
        client.SendScimAsync(HttpMethod.Post, path, json, configure);

    public static Task<ScimResponse> PutScimAsync(this HttpClient client, string path, string json, Action<HttpRequestMessage>? configure = null) =>
        client.SendScimAsync(HttpMethod.Put, path, json, configure);

    public static Task<ScimResponse> PatchScimAsync(this HttpClient client, string path, string json, Action<HttpRequestMessage>? configure = null) =>
        client.SendScimAsync(HttpMethod.Patch, path, json, configure);

    public static Task<ScimResponse> DeleteScimAsync(this HttpClient client, string path, Action<HttpRequestMessage>? configure = null) =>
        client.SendScimAsync(HttpMethod.Delete, path, null, configure);

    /// <summary>Creates a user with this userName (and optional extra JSON members) and returns its id.</summary>
    public static async Task<string> CreateUserAsync(this HttpClient client, string userName, string extra = "")
    {
        var response = await client.PostScimAsync("/scim/v2/Users", $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}"{{extra}}}""");
        Assert.Equal(HttpStatusCode.Created, response.Status);
        return response.Id;
    }

    public static async Task<string> CreateGroupAsync(this HttpClient client, string displayName, string extra = "")
    {
        var response = await client.PostScimAsync("/scim/v2/Groups", $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"{{displayName}}"{{extra}}}""");
        Assert.Equal(HttpStatusCode.Created, response.Status);
        return response.Id;
    }

    public static string Query(string filter) => Uri.EscapeDataString(filter);

    public static string MembersPatch(string op, IEnumerable<string> ids) =>
        $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"{{op}}","path":"members","value":[{{string.Join(",", ids.Select(id => $$"""{"$ref":null,"value":"{{id}}"}"""))}}]}]}""";

    public static MediaTypeWithQualityHeaderValue ScimMediaType { get; } = new("application/scim+json");
}
