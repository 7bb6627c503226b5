using System.Text.Json.Nodes;
using Bifrost.Reconciliation.Graph;

namespace Bifrost.Reconciliation.Services;

/// <summary>
/// Entra's default attribute mappings for a non-gallery SCIM app (docs/entra-scim.md §6), as reconciliation compares
/// them: userPrincipalName→userName, mailNickname→externalId, displayName, givenName/surname→name, mail→emails[work],
/// jobTitle→title, department and employeeId→the enterprise extension, accountEnabled→active. <c>manager</c> is not
/// compared (Graph returns it only per user, through <c>/manager</c>).
/// </summary>
internal static class ScimUserShape
{
    public const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    public const string GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";

    /// <summary>The Graph properties read (<c>$select</c>).</summary>
    public static readonly string[] GraphSelect =
        ["id", "userPrincipalName", "mailNickname", "displayName", "givenName", "surname", "mail", "jobTitle", "department", "employeeId", "accountEnabled"];

    /// <summary>The compared attributes, in hash order, with the SCIM PATCH path Entra uses for each.</summary>
    public static readonly string[] Paths =
    [
        "userName",
        "externalId",
        "displayName",
        "name.givenName",
        "name.familyName",
        "emails[type eq \"work\"].value",
        "title",
        $"{EnterpriseSchema}:department",
        $"{EnterpriseSchema}:employeeNumber",
    ];

    private const int Email = 5;

    /// <summary>Graph's values in <see cref="Paths"/> order; null where Graph has none (Entra never sends nulls).</summary>
    public static string?[] Values(GraphUser user) =>
    [
        user.UserPrincipalName, user.MailNickname, user.DisplayName, user.GivenName, user.Surname, user.Mail,
        user.JobTitle, user.Department, user.EmployeeId,
    ];

    /// <summary>One small hash per compared attribute (0 = absent): all a run keeps of an ingestion user.</summary>
    public static int[] Hashes(JsonObject resource)
    {
        var name = Get(resource, "name") as JsonObject;
        var enterprise = Get(resource, EnterpriseSchema) as JsonObject;
        string?[] values =
        [
            Text(Get(resource, "userName")), Text(Get(resource, "externalId")), Text(Get(resource, "displayName")),
            Text(Get(name, "givenName")), Text(Get(name, "familyName")), WorkEmail(resource),
            Text(Get(resource, "title")), Text(Get(enterprise, "department")), Text(Get(enterprise, "employeeNumber")),
        ];
        return [.. values.Select((v, i) => Hash(v, i))];
    }

    public static int Hash(string? value, int index) => string.IsNullOrEmpty(value)
        ? 0
        : (index == Email ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal).GetHashCode(value) | 1;

    /// <summary>The attributes whose Graph value is set and differs from ingestion's.</summary>
    public static List<int> Differences(string?[] graph, int[] ingestion)
    {
        var differences = new List<int>();
        for (var i = 0; i < graph.Length; i++)
        {
            if (!string.IsNullOrEmpty(graph[i]) && Hash(graph[i], i) != ingestion[i])
            {
                differences.Add(i);
            }
        }

        return differences;
    }

    /// <summary>Entra's create body: only the attributes Graph has a value for.</summary>
    public static JsonObject CreateBody(GraphUser user)
    {
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray(UserSchema, EnterpriseSchema),
            ["externalId"] = user.MailNickname,
            ["userName"] = user.UserPrincipalName,
            ["active"] = true,
            ["displayName"] = user.DisplayName,
        };
        var name = new JsonObject();
        SetIfPresent(name, "givenName", user.GivenName);
        SetIfPresent(name, "familyName", user.Surname);
        if (name.Count > 0)
        {
            body["name"] = name;
        }

        if (!string.IsNullOrEmpty(user.Mail))
        {
            body["emails"] = new JsonArray(new JsonObject { ["primary"] = true, ["type"] = "work", ["value"] = user.Mail });
        }

        SetIfPresent(body, "title", user.JobTitle);
        var enterprise = new JsonObject();
        SetIfPresent(enterprise, "department", user.Department);
        SetIfPresent(enterprise, "employeeNumber", user.EmployeeId);
        if (enterprise.Count > 0)
        {
            body[EnterpriseSchema] = enterprise;
        }

        foreach (var key in body.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            body.Remove(key);
        }

        return body;
    }

    /// <summary>Entra's update: one operation per changed attribute (<c>Add</c> where ingestion has none).</summary>
    public static JsonArray UpdateOperations(string?[] graph, int[] ingestion, IEnumerable<int> differences, bool? active)
    {
        var operations = new JsonArray();
        foreach (var i in differences)
        {
            operations.Add(new JsonObject { ["op"] = ingestion[i] == 0 ? "Add" : "Replace", ["path"] = Paths[i], ["value"] = graph[i] });
        }

        if (active is { } value)
        {
            operations.Add(ActiveOperation(value));
        }

        return operations;
    }

    /// <summary>Entra's (de)activation: <c>active</c> as the strings "True"/"False" its Switch() expression yields.</summary>
    public static JsonObject ActiveOperation(bool active) => new() { ["op"] = "Replace", ["path"] = "active", ["value"] = active ? "True" : "False" };

    public static string Fold(string value) => value.ToLowerInvariant();

    /// <summary>
    /// A userName's matching key as a run stores it: the first 16 bytes of the SHA-256 of its folded form, so the run's
    /// working set in PostgreSQL holds no user names (two userNames that do not match share a key with a probability of
    /// about 2⁻¹²⁸).
    /// </summary>
    public static Guid UserKey(string userName) =>
        new(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Fold(userName))).AsSpan(0, 16));

    private static void SetIfPresent(JsonObject target, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            target[name] = value;
        }
    }

    private static string? WorkEmail(JsonObject resource) =>
        Get(resource, "emails") is JsonArray emails
            ? emails.OfType<JsonObject>().Where(e => string.Equals(Text(Get(e, "type")), "work", StringComparison.OrdinalIgnoreCase))
                .Select(e => Text(Get(e, "value"))).FirstOrDefault(v => !string.IsNullOrEmpty(v))
            : null;

    private static JsonNode? Get(JsonObject? node, string name)
    {
        if (node is null)
        {
            return null;
        }

        if (node.TryGetPropertyValue(name, out var exact))
        {
            return exact;
        }

        foreach (var (key, value) in node)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
