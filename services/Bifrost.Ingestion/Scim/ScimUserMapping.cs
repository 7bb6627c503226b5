using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;

namespace Bifrost.Ingestion.Scim;

/// <summary>Between the stored <see cref="ScimUser"/>, its SCIM representation and the event snapshot.</summary>
internal static class ScimUserMapping
{
    public const string ResourceType = "User";
    public const string Endpoint = "Users";

    /// <summary>
    /// Completes a normalised resource for storage: a user without <c>active</c> is active, and says so, so that the
    /// <c>active</c> column, filters evaluated in SQL and filters evaluated on the resource always agree.
    /// </summary>
    public static JsonObject PrepareForStorage(JsonObject resource)
    {
        if (resource["active"] is not JsonValue)
        {
            resource["active"] = true;
        }

        return resource;
    }

    /// <summary>Copies the indexed columns from the (already normalised) resource.</summary>
    public static void ApplyResource(this ScimUser user, JsonObject resource)
    {
        var userName = resource["userName"] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
        if (string.IsNullOrEmpty(userName))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, "userName is required.");
        }

        user.Resource = resource;
        user.UserName = userName;
        user.UserNameKey = ScimKeys.Fold(userName);
        user.ExternalId = ScimKeys.Text(resource["externalId"]);
        user.DisplayName = ScimKeys.Text(resource["displayName"]);
        user.DisplayNameKey = user.DisplayName is null ? null : ScimKeys.Fold(user.DisplayName);
        var email = ScimResource.GetWorkEmail(resource);
        user.EmailKey = email is null ? null : ScimKeys.Fold(email);
        user.EmailKeys = resource["emails"] is JsonArray emails
            ? [.. emails
                .Select(e => e is JsonObject element ? ScimKeys.Text(element["value"]) : null)
                .Where(v => !string.IsNullOrEmpty(v))
                .Select(v => ScimKeys.Fold(v!))
                .Distinct(StringComparer.Ordinal)]
            : [];
        user.Active = resource["active"] is not JsonValue active || ScimKeys.Boolean(active) != false;
    }

    public static string ETag(this ScimUser user) => ScimETag.Format(user.Version);

    public static ScimRow ToRow(this ScimUser user) => new(user.Id, user.Resource, user.Version, user.CreatedAt, user.LastModifiedAt);

    /// <summary>409 <c>uniqueness</c>: the provider has another user with this userName (compared case-insensitively).</summary>
    public static ScimException UserNameTaken() =>
        new(System.Net.HttpStatusCode.Conflict, "A user with this userName already exists.", ScimErrorType.Uniqueness);

    public static JsonObject ToScim(this ScimUser user, string location) =>
        ScimResourceJson.Build(user.Resource, clone: true, ScimConstants.UserSchema, user.Id, ResourceType, user.CreatedAt, user.LastModifiedAt, user.Version, location);

    public static ScimUserSnapshot ToSnapshot(this ScimUser user)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(user.Resource, prefix: null, inExtension: false, attributes);
        return new ScimUserSnapshot
        {
            UserName = user.UserName,
            ExternalId = user.ExternalId,
            DisplayName = user.DisplayName,
            Email = ScimResource.GetWorkEmail(user.Resource),
            Active = user.Active,
            Attributes = attributes,
        };
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
                case JsonObject reference when inExtension && ScimKeys.Text(reference["value"]) is { } id:
                    into[name] = id; // manager: the referenced user's id
                    break;
                case JsonObject child:
                    Flatten(child, name, inExtension: false, into);
                    break;
                case JsonValue scalar when ScimKeys.Text(scalar) is { } text:
                    into[name] = text;
                    break;
            }
        }
    }
}
