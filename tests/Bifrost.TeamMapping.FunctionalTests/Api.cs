using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Bifrost.TeamMapping.FunctionalTests;

/// <summary>Reads of the admin API as tests compare them.</summary>
internal sealed class Api(HttpClient client)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public HttpClient Client => client;

    public async Task<JsonObject> GetAsync(string path) => (await client.GetFromJsonAsync<JsonObject>(path, Ct))!;

    /// <summary>Names of a provider's teams (rule-made and SCIM-group ones, not archived).</summary>
    public async Task<string[]> TeamNamesAsync(Guid provider) =>
        [.. (await GetAsync($"/api/teams?providerId={provider}&limit=500"))["items"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).Order()];

    public async Task<Guid> TeamIdAsync(Guid provider, string name) =>
        (await GetAsync($"/api/teams?providerId={provider}&limit=500"))["items"]!.AsArray()
            .Single(t => t!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<Guid>();

    public async Task<string[]> BusinessUnitNamesAsync(Guid provider) =>
        [.. (await GetAsync($"/api/business-units?providerId={provider}&limit=100"))["items"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).Order()];

    public async Task<Guid> BusinessUnitIdAsync(Guid provider, string name) =>
        (await GetAsync($"/api/business-units?providerId={provider}&limit=100"))["items"]!.AsArray()
            .Single(t => t!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<Guid>();

    /// <summary>userId → (active, sources).</summary>
    public async Task<Dictionary<Guid, (bool Active, string[] Sources)>> MembersAsync(string kind, Guid id)
    {
        var page = await GetAsync($"/api/{kind}/{id}/members?limit=100");
        return page["items"]!.AsArray().ToDictionary(
            m => m!["userId"]!.GetValue<Guid>(),
            m => (m!["active"]!.GetValue<bool>(), m["sources"]!.AsArray().Select(s => s!["source"]!.GetValue<string>()).ToArray()));
    }

    public async Task<JsonObject> RecomputationAsync(Guid provider) => await GetAsync($"/api/teams/recomputations/{provider}");
}
