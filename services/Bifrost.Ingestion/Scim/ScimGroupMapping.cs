using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bifrost.Ingestion.Scim;

/// <summary>Between the stored <see cref="ScimGroup"/> and its SCIM representation.</summary>
internal static class ScimGroupMapping
{
    public const string ResourceType = "Group";
    public const string Endpoint = "Groups";

    /// <summary>Copies the indexed columns from the (already normalised, member-less) resource.</summary>
    public static void ApplyResource(this ScimGroup group, JsonObject resource)
    {
        var displayName = resource["displayName"] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
        if (string.IsNullOrEmpty(displayName))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, "displayName is required.");
        }

        group.Resource = resource;
        group.DisplayName = displayName;
        group.DisplayNameKey = ScimKeys.Fold(displayName);
        group.ExternalId = ScimKeys.Text(resource["externalId"]);
    }

    public static ScimRow ToRow(this ScimGroup group) => new(group.Id, group.Resource, group.Version, group.CreatedAt, group.LastModifiedAt);
}
