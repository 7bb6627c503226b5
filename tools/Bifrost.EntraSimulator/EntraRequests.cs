using System.Text.Json.Nodes;
using Bifrost.GraphEmulator;

namespace Bifrost.EntraSimulator;

/// <summary>
/// The request bodies and query strings Entra's provisioning service sends (entra-requests.md; default attribute
/// mappings of a non-gallery SCIM app; PATCH without the <c>aadOptscim062020</c> flag: <c>Add</c>/<c>Replace</c>/
/// <c>Remove</c>, <c>active</c> as the string <c>"False"</c>, member removal by value).
/// </summary>
public static class EntraRequests
{
    public const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    public const string GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
    public const string MicrosoftGroupSchema = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
    public const string PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    /// <summary>A filter query as Entra encodes it: <c>+</c> for spaces, quotes as <c>%22</c>.</summary>
    public static string Filter(string resource, string attribute, string value, bool excludeMembers = false)
    {
        var filter = Uri.EscapeDataString($"{attribute} eq \"{value}\"").Replace("%20", "+", StringComparison.Ordinal);
        return excludeMembers ? $"{resource}?excludedAttributes=members&filter={filter}" : $"{resource}?filter={filter}";
    }

    /// <summary>Test Connection: a user that cannot exist, matched on <c>userName</c>.</summary>
    public static string TestConnectionUsers(Guid random) => Filter("Users", "userName", random.ToString());

    /// <summary>Test Connection also reads a random group.</summary>
    public static string TestConnectionGroups(Guid random) => Filter("Groups", "displayName", random.ToString(), excludeMembers: true);

    public static string UserQuery(DirectoryUser user) => Filter("Users", "userName", user.UserPrincipalName);

    public static string GroupQuery(DirectoryGroup group) => Filter("Groups", "displayName", group.DisplayName, excludeMembers: true);

    /// <summary>
    /// POST /Users with Entra's default mappings: userName ← userPrincipalName, externalId ← mailNickname, active,
    /// displayName, title ← jobTitle, emails[work] ← mail (left out when null: Entra skips nulls), name.* ←
    /// givenName/surname, enterprise employeeNumber ← employeeId and department. The manager is a reference attribute
    /// set in a later pass (<see cref="SetManager"/>).
    /// </summary>
    public static JsonObject CreateUser(DirectoryUser user)
    {
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray(UserSchema, EnterpriseSchema),
            ["externalId"] = user.MailNickname,
            ["userName"] = user.UserPrincipalName,
            ["active"] = user.AccountEnabled,
            ["displayName"] = user.DisplayName,
            ["title"] = user.JobTitle,
        };
        if (user.Mail is not null)
        {
            body["emails"] = new JsonArray(new JsonObject { ["primary"] = true, ["type"] = "work", ["value"] = user.Mail });
        }

        body["meta"] = new JsonObject { ["resourceType"] = "User" };
        body["name"] = new JsonObject
        {
            ["formatted"] = $"{user.GivenName} {user.Surname}",
            ["familyName"] = user.Surname,
            ["givenName"] = user.GivenName,
        };
        body[EnterpriseSchema] = new JsonObject { ["employeeNumber"] = user.EmployeeId, ["department"] = user.Department };
        body["roles"] = new JsonArray();
        return body;
    }

    /// <summary>
    /// The PATCH Entra sends for a matched user whose target differs: one <c>Replace</c> per differing mapped attribute.
    /// Null when nothing differs (Entra then sends nothing).
    /// </summary>
    public static JsonObject? UpdateUser(DirectoryUser user, JsonObject target)
    {
        var operations = new JsonArray();
        void Replace(string path, JsonNode? value) => operations.Add(new JsonObject { ["op"] = "Replace", ["path"] = path, ["value"] = value });
        static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

        if (Text(target["displayName"]) != user.DisplayName)
        {
            Replace("displayName", user.DisplayName);
        }

        if (Text(target["title"]) != user.JobTitle)
        {
            Replace("title", user.JobTitle);
        }

        if (Text(target["externalId"]) != user.MailNickname)
        {
            Replace("externalId", user.MailNickname);
        }

        if (Text(target["name"]?["givenName"]) != user.GivenName)
        {
            Replace("name.givenName", user.GivenName);
        }

        if (Text(target["name"]?["familyName"]) != user.Surname)
        {
            Replace("name.familyName", user.Surname);
        }

        var work = (target["emails"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(e => Text(e["type"]) == "work");
        if (user.Mail is not null && Text(work?["value"]) != user.Mail)
        {
            Replace("emails[type eq \"work\"].value", user.Mail);
        }

        var enterprise = target[EnterpriseSchema];
        if (Text(enterprise?["employeeNumber"]) != user.EmployeeId)
        {
            Replace($"{EnterpriseSchema}:employeeNumber", user.EmployeeId);
        }

        if (Text(enterprise?["department"]) != user.Department)
        {
            Replace($"{EnterpriseSchema}:department", user.Department);
        }

        var active = target["active"] is JsonValue a && a.TryGetValue<bool>(out var b) ? b : (bool?)null;
        if (active != user.AccountEnabled)
        {
            Replace("active", user.AccountEnabled ? "True" : "False");
        }

        return operations.Count == 0 ? null : Patch(operations);
    }

    /// <summary>The manager reference, as production Entra sends it: a plain id under the enterprise URN path.</summary>
    public static JsonObject SetManager(string managerId) =>
        Patch(new JsonArray(new JsonObject { ["op"] = "Add", ["path"] = $"{EnterpriseSchema}:manager", ["value"] = managerId }));

    /// <summary>Disable (unassigned, disabled or soft-deleted in the directory), without the compliance flag: <c>"False"</c>.</summary>
    public static JsonObject Disable() =>
        Patch(new JsonArray(new JsonObject { ["op"] = "Replace", ["path"] = "active", ["value"] = "False" }));

    public static JsonObject ReplaceAttribute(string path, string value) =>
        Patch(new JsonArray(new JsonObject { ["op"] = "Replace", ["path"] = path, ["value"] = value }));

    /// <summary>POST /Groups: created without members (displayName ← displayName, externalId ← objectId).</summary>
    public static JsonObject CreateGroup(DirectoryGroup group) => new()
    {
        ["schemas"] = new JsonArray(GroupSchema, MicrosoftGroupSchema),
        ["externalId"] = group.Id.ToString(),
        ["displayName"] = group.DisplayName,
        ["meta"] = new JsonObject { ["resourceType"] = "Group" },
    };

    /// <summary>Members added in one PATCH (S1 "Update Group [Add Members]", <c>$ref</c> null).</summary>
    public static JsonObject AddMembers(IEnumerable<string> memberIds) =>
        Patch(new JsonArray(new JsonObject
        {
            ["op"] = "Add",
            ["path"] = "members",
            ["value"] = new JsonArray([.. memberIds.Select(id => (JsonNode)new JsonObject { ["$ref"] = null, ["value"] = id })]),
        }));

    /// <summary>Members removed in one PATCH, by value (the form without the compliance flag, entra-requests.md §5.4).</summary>
    public static JsonObject RemoveMembers(IEnumerable<string> memberIds) =>
        Patch(new JsonArray(new JsonObject
        {
            ["op"] = "Remove",
            ["path"] = "members",
            ["value"] = new JsonArray([.. memberIds.Select(id => (JsonNode)new JsonObject { ["value"] = id })]),
        }));

    private static JsonObject Patch(JsonArray operations) => new()
    {
        ["schemas"] = new JsonArray(PatchOpSchema),
        ["Operations"] = operations,
    };
}
