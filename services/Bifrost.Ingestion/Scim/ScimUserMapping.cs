using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;

namespace Bifrost.Ingestion.Scim;

/// <summary>Between the stored <see cref="ScimUser"/>, its SCIM representation and the event snapshot.</summary>
internal static class ScimUserMapping
{
    public const string ResourceType = "User";
    public const string Endpoint = "Users";

    /// <summary>Copies the indexed columns from the (already normalised) resource.</summary>
    public static void ApplyResource(this ScimUser user, JsonObject resource)
    {
        var userName = resource["userName"]?.GetValue<string>()
            ?? throw ScimException.BadRequest(ScimErrorType.InvalidValue, "userName is required.");
        user.Resource = resource;
        user.UserName = userName;
        user.UserNameKey = userName.ToLowerInvariant();
        user.ExternalId = StringOf(resource["externalId"]);
        user.DisplayName = StringOf(resource["displayName"]);
        user.EmailKey = WorkEmail(resource)?.ToLowerInvariant();
        user.Active = resource["active"] is not JsonValue active || !active.TryGetValue<bool>(out var isActive) || isActive;
    }

    public static string ETag(this ScimUser user) => $"W/\"{user.Version.ToString(CultureInfo.InvariantCulture)}\"";

    public static JsonObject ToScim(this ScimUser user, string location)
    {
        var result = (JsonObject)user.Resource.DeepClone();
        result["id"] = user.Id.ToString();
        result["schemas"] ??= new JsonArray(ScimConstants.UserSchema);
        result["meta"] = new JsonObject
        {
            ["resourceType"] = ResourceType,
            ["created"] = user.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            ["lastModified"] = user.LastModifiedAt.ToString("O", CultureInfo.InvariantCulture),
            ["location"] = location,
            ["version"] = user.ETag(),
        };
        return result;
    }

    public static ScimUserSnapshot ToSnapshot(this ScimUser user)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(user.Resource, prefix: null, inExtension: false, attributes);
        return new ScimUserSnapshot
        {
            UserName = user.UserName,
            ExternalId = user.ExternalId,
            DisplayName = user.DisplayName,
            Email = WorkEmail(user.Resource),
            Active = user.Active,
            Attributes = attributes,
        };
    }

    /// <summary>emails[type eq "work"].value, else the primary e-mail, else the first.</summary>
    public static string? WorkEmail(JsonObject resource)
    {
        if (resource["emails"] is not JsonArray emails)
        {
            return null;
        }

        var all = emails.OfType<JsonObject>().ToList();
        var chosen = all.FirstOrDefault(e => string.Equals(StringOf(e["type"]), "work", StringComparison.OrdinalIgnoreCase))
            ?? all.FirstOrDefault(e => e["primary"] is JsonValue p && p.TryGetValue<bool>(out var primary) && primary)
            ?? all.FirstOrDefault();
        return chosen is null ? null : StringOf(chosen["value"]);
    }

    /// <summary>
    /// Scalar attributes under their SCIM names: <c>title</c>, <c>name.givenName</c>, extension attributes as
    /// <c>urn:…:User:department</c> (<c>manager</c> as its id). Multi-valued attributes are left out, except
    /// through <see cref="ScimUserSnapshot.Email"/>.
    /// </summary>
    private static void Flatten(JsonObject node, string? prefix, bool inExtension, Dictionary<string, string> into)
    {
        foreach (var (key, value) in node)
        {
            if (prefix is null && key is "schemas" or "id" or "meta")
            {
                continue;
            }

            // Extension attributes are named "<urn>:<attribute>", core sub-attributes "<attribute>.<sub>".
            var isExtensionRoot = prefix is null && key.StartsWith("urn:", StringComparison.OrdinalIgnoreCase);
            var name = prefix is null ? key : inExtension ? $"{prefix}:{key}" : $"{prefix}.{key}";
            switch (value)
            {
                case JsonObject child when isExtensionRoot:
                    Flatten(child, key, inExtension: true, into);
                    break;
                case JsonObject reference when inExtension && StringOf(reference["value"]) is { } id:
                    into[name] = id; // manager: the referenced user's id
                    break;
                case JsonObject child:
                    Flatten(child, name, inExtension: false, into);
                    break;
                case JsonValue scalar when StringOf(scalar) is { } text:
                    into[name] = text;
                    break;
            }
        }
    }

    private static string? StringOf(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;
}
