using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Bifrost.EntraSimulator;

/// <summary>
/// The demo's mapping rules, set on a provider through the admin API (<c>PUT /api/providers/{id}</c>) before the
/// initial cycle: roles from job title and department, one team per SCIM group, one business unit per department.
/// The provider's name, kind and connection settings are read first and sent back unchanged.
/// </summary>
public static class DemoProvider
{
    public const string EnterpriseDepartment = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

    public static JsonObject Mappings() => new()
    {
        ["roleResolutionStrategy"] = "mostPermissions",
        ["roleRules"] = new JsonArray(
            Rule("title", "Director", "role", "admin"),
            Rule("title", "Manager", "role", "admin"),
            Rule(EnterpriseDepartment, "Engineering", "role", "developer"),
            Rule(EnterpriseDepartment, "Research", "role", "developer"),
            Rule("title", "*", "role", "viewer")),
        // Every SCIM group is a team already; a rule adds one team the groups do not make.
        ["teamRules"] = new JsonArray(Rule("title", "Director", "team", "Leadership"), Rule("title", "Manager", "team", "Leadership")),
        ["businessUnitRules"] = new JsonArray(Rule(EnterpriseDepartment, "*", "businessUnit", null)),
    };

    public static async Task ConfigureAsync(HttpClient http, Uri gateway, Guid providerId, string adminKey, TextWriter output, CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(gateway.ToString().TrimEnd('/') + "/"), $"api/providers/{providerId}");
        using var get = new HttpRequestMessage(HttpMethod.Get, url);
        get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var current = await http.SendAsync(get, cancellationToken);
        if (!current.IsSuccessStatusCode)
        {
            throw new SimulatorException($"Reading the demo provider failed: HTTP {(int)current.StatusCode}.");
        }

        var provider = (await current.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
        var settings = provider["settings"] as JsonObject;
        var request = new JsonObject
        {
            ["name"] = provider["name"]?.DeepClone(),
            ["kind"] = provider["kind"]?.DeepClone(),
            ["settings"] = settings is null || (settings["tenantId"] is null && settings["clientId"] is null && settings["issuerUrl"] is null) ? null : new JsonObject
            {
                ["tenantId"] = settings["tenantId"]?.DeepClone(),
                ["clientId"] = settings["clientId"]?.DeepClone(),
                ["cloud"] = settings["cloud"]?.DeepClone(),
                ["issuerUrl"] = settings["issuerUrl"]?.DeepClone(),
            },
            ["mappings"] = Mappings(),
        };
        if (provider["mappings"]?["scimAttributes"] is JsonArray declared)
        {
            request["mappings"]!["scimAttributes"] = declared.DeepClone();
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, url) { Content = JsonContent.Create(request) };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var saved = await http.SendAsync(put, cancellationToken);
        if (!saved.IsSuccessStatusCode)
        {
            throw new SimulatorException($"Setting the demo mapping rules failed: HTTP {(int)saved.StatusCode} {await saved.Content.ReadAsStringAsync(cancellationToken)}");
        }

        await output.WriteLineAsync("Demo mapping rules set: roles from title/department, teams from groups plus Leadership, business units from department.");
    }

    private static JsonObject Rule(string attribute, string value, string target, string? name)
    {
        var rule = new JsonObject { ["attribute"] = attribute, ["value"] = value };
        if (name is not null)
        {
            rule[target] = name;
        }

        return rule;
    }
}
