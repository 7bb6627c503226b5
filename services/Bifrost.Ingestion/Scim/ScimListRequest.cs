using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bifrost.Ingestion.Scim;

/// <summary>
/// A query (RFC 7644 §3.4.2) from the query string of a GET or the body of a <c>POST /.search</c>: filter,
/// 1-based <c>startIndex</c> (below 1 = 1), <c>count</c> (negative = 0, above <see cref="ScimOptions.MaxResults"/>
/// capped to it), <c>sortBy</c>/<c>sortOrder</c>, and the attribute selection.
/// </summary>
internal sealed record ScimListRequest(ScimFilter? Filter, int StartIndex, int Count, ScimAttributePath? SortBy, bool Descending, ScimAttributeSelection Selection)
{
    public static ScimListRequest FromQuery(IQueryCollection query, int maxResults) => Create(
        query["filter"].ToString(),
        query["startIndex"].ToString(),
        query["count"].ToString(),
        query["sortBy"].ToString(),
        query["sortOrder"].ToString(),
        ScimAttributeSelection.Parse(query["attributes"], query["excludedAttributes"]),
        maxResults);

    /// <summary>A <c>SearchRequest</c> body (RFC 7644 §3.4.3); member names are matched case-insensitively.</summary>
    public static ScimListRequest FromSearchRequest(JsonObject body, int maxResults)
    {
        var members = new Dictionary<string, JsonNode?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in body)
        {
            members[key] = value;
        }

        return Create(
            Text(members, "filter"),
            Text(members, "startIndex"),
            Text(members, "count"),
            Text(members, "sortBy"),
            Text(members, "sortOrder"),
            ScimAttributeSelection.Parse(List(members, "attributes"), List(members, "excludedAttributes")),
            maxResults);
    }

    private static ScimListRequest Create(string? filter, string? startIndex, string? count, string? sortBy, string? sortOrder, ScimAttributeSelection selection, int maxResults)
    {
        var parsedFilter = string.IsNullOrWhiteSpace(filter) ? null : ScimFilter.Parse(filter);
        var start = Math.Max(1, ParseInt(startIndex, "startIndex") ?? 1);
        var size = Math.Clamp(ParseInt(count, "count") ?? maxResults, 0, maxResults);
        ScimAttributePath? sort = null;
        if (!string.IsNullOrWhiteSpace(sortBy))
        {
            sort = ScimAttributePath.Parse(sortBy.Trim());
            if (sort.ValueFilter is not null)
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, "sortBy names an attribute; it cannot hold a filter.");
            }
        }

        var descending = (sortOrder ?? "").Trim().ToLowerInvariant() switch
        {
            "" or "ascending" => false,
            "descending" => true,
            _ => throw ScimException.BadRequest(ScimErrorType.InvalidValue, "sortOrder must be 'ascending' or 'descending'."),
        };
        return new ScimListRequest(parsedFilter, start, size, sort, descending, selection);
    }

    private static int? ParseInt(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"{name} must be an integer.");
        }

        return (int)Math.Clamp(value, int.MinValue, int.MaxValue);
    }

    private static string? Text(Dictionary<string, JsonNode?> members, string name) => members.GetValueOrDefault(name) switch
    {
        null => null,
        JsonValue value when value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number => ScimKeys.Text(value),
        JsonValue { } value when value.GetValueKind() == JsonValueKind.Null => null,
        _ => throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"SearchRequest member '{name}' must be a string or a number."),
    };

    private static string? List(Dictionary<string, JsonNode?> members, string name) => members.GetValueOrDefault(name) switch
    {
        null => null,
        JsonArray array => string.Join(',', array.Select(item => item is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"SearchRequest member '{name}' must list attribute names."))),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() == JsonValueKind.Null => null,
        _ => throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"SearchRequest member '{name}' must list attribute names."),
    };
}
