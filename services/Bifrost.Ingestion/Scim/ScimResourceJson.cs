using System.Globalization;
using System.Text.Json.Nodes;

namespace Bifrost.Ingestion.Scim;

/// <summary>The SCIM representation of a stored resource: <c>schemas</c>, <c>id</c>, the attributes, then <c>meta</c>.</summary>
internal static class ScimResourceJson
{
    /// <summary>
    /// Builds the answer for a stored resource. With <paramref name="clone"/> false the stored object is consumed
    /// (its members move into the answer), which saves a copy for rows read only to be returned.
    /// </summary>
    public static JsonObject Build(JsonObject stored, bool clone, string schema, Guid id, string resourceType,
        DateTimeOffset created, DateTimeOffset lastModified, long version, string location)
    {
        var source = clone ? (JsonObject)stored.DeepClone() : stored;
        var schemas = source["schemas"];
        source.Remove("schemas");
        source.Remove("id");
        source.Remove("meta");
        var members = source.ToList();
        source.Clear();

        var result = new JsonObject
        {
            ["schemas"] = schemas ?? new JsonArray(schema),
            ["id"] = id.ToString(),
        };
        foreach (var (key, value) in members)
        {
            result[key] = value;
        }

        result["meta"] = new JsonObject
        {
            ["resourceType"] = resourceType,
            ["created"] = Timestamp(created),
            ["lastModified"] = Timestamp(lastModified),
            ["location"] = location,
            ["version"] = ScimETag.Format(version),
        };
        return result;
    }

    /// <summary>PostgreSQL keeps microseconds: timestamps are truncated to them before they are stored or shown.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) => new(value.Ticks - (value.Ticks % 10), value.Offset);

    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
