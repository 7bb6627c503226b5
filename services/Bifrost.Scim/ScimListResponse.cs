namespace Bifrost.Scim;

/// <summary>The query response body (RFC 7644 §3.4.2): <c>schemas</c>, <c>totalResults</c>, <c>Resources</c>, <c>startIndex</c>, <c>itemsPerPage</c>.</summary>
public static class ScimListResponse
{
    /// <summary>
    /// Builds a ListResponse. <c>itemsPerPage</c> is the number of resources on this page; a resource that already
    /// belongs to another JSON tree is copied. No match is <c>totalResults: 0</c> with an empty <c>Resources</c> array.
    /// </summary>
    public static JsonObject Create(IEnumerable<JsonNode> resources, int totalResults, int startIndex = 1)
    {
        var page = new JsonArray([.. resources.Select(r => r.Parent is null ? r : r.DeepClone())]);
        return new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ListResponseSchema),
            ["totalResults"] = totalResults,
            ["Resources"] = page,
            ["startIndex"] = startIndex,
            ["itemsPerPage"] = page.Count,
        };
    }
}
