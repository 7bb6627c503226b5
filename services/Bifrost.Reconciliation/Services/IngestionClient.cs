using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Bifrost.Reconciliation.Services;

public sealed record IngestionUser(Guid Id, bool Active, JsonObject Resource);

public sealed record IngestionGroup(Guid Id, string DisplayName, string? ExternalId);

public sealed record IngestionMember(Guid Id, string Type);

public sealed record IngestionPage<T>(List<T> Items, string? Next);

/// <summary>
/// Ingestion, the SCIM server of record (service discovery name <c>http://ingestion</c>). Reads go through its internal
/// export (keyset pages); repairs go through <c>/scim/v2</c> as the provider (the trusted <c>X-Bifrost-Provider</c>
/// header, as the gateway sends it), so ingestion validates them and emits the normal events.
/// </summary>
public sealed class IngestionClient(HttpClient http)
{
    public const string ProviderHeader = "X-Bifrost-Provider";
    private const string ScimJson = "application/scim+json";

    public Task<IngestionPage<IngestionUser>> UsersAsync(Guid provider, string? after, CancellationToken cancellationToken) =>
        PageAsync<IngestionUser>($"/internal/export/providers/{provider}/users?limit=1000{After(after)}", cancellationToken);

    public Task<IngestionPage<IngestionGroup>> GroupsAsync(Guid provider, string? after, CancellationToken cancellationToken) =>
        PageAsync<IngestionGroup>($"/internal/export/providers/{provider}/groups?limit=1000{After(after)}", cancellationToken);

    public Task<IngestionPage<IngestionMember>> MembersAsync(Guid provider, Guid group, string? after, CancellationToken cancellationToken) =>
        PageAsync<IngestionMember>($"/internal/export/providers/{provider}/groups/{group}/members?limit=5000{After(after)}", cancellationToken);

    /// <summary>POSTs a resource; returns the new id, or null when ingestion already has it (409 uniqueness).</summary>
    public async Task<Guid?> CreateAsync(Guid provider, string resourceType, JsonObject resource, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, provider, $"/scim/v2/{resourceType}", resource, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        await EnsureSuccessAsync(response, "POST", resourceType, cancellationToken);
        var created = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return Guid.Parse(created!["id"]!.GetValue<string>());
    }

    public async Task PatchAsync(Guid provider, string resourceType, Guid id, JsonArray operations, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
            ["Operations"] = operations,
        };
        using var response = await SendAsync(HttpMethod.Patch, provider, $"/scim/v2/{resourceType}/{id}", body, cancellationToken);
        await EnsureSuccessAsync(response, "PATCH", resourceType, cancellationToken);
    }

    public async Task DeleteAsync(Guid provider, string resourceType, Guid id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, provider, $"/scim/v2/{resourceType}/{id}", null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, "DELETE", resourceType, cancellationToken);
        }
    }

    private async Task<IngestionPage<T>> PageAsync<T>(string url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        await EnsureSuccessAsync(response, "GET", "export", cancellationToken);
        return await response.Content.ReadFromJsonAsync<IngestionPage<T>>(cancellationToken)
            ?? throw new IngestionException("ingestion answered an empty export page");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Guid provider, string url, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add(ProviderHeader, provider.ToString());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ScimJson));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, ScimJson);
        }

        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string method, string resourceType, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        // The SCIM error's scimType only: its detail may quote the resource (names, e-mails).
        var scimType = "";
        try
        {
            var error = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            scimType = error?["scimType"]?.GetValue<string>() is { } type ? $" ({type})" : "";
        }
        catch (System.Text.Json.JsonException)
        {
        }

        throw new IngestionException($"ingestion answered {(int)response.StatusCode}{scimType} to {method} {resourceType}");
    }

    private static string After(string? after) => after is null ? "" : $"&after={Uri.EscapeDataString(after)}";
}

public sealed class IngestionException(string message) : Exception(message);
