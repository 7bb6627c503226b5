using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bifrost.Ingestion.Scim;

/// <summary>How attribute values become index keys: case-insensitive attributes are folded to lower case.</summary>
internal static class ScimKeys
{
    /// <summary>The key of a case-insensitive value (userName, displayName, e-mail).</summary>
    public static string Fold(string value) => value.ToLowerInvariant();

    /// <summary>A scalar's text: strings as-is, numbers and booleans in JSON form; null for anything else.</summary>
    public static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;

    /// <summary>A JSON boolean or a "true"/"false" string in any casing.</summary>
    public static bool? Boolean(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => bool.TryParse(node.GetValue<string>().Trim(), out var b) ? b : null,
        _ => null,
    };
}
