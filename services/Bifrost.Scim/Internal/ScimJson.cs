namespace Bifrost.Scim;

/// <summary>Small JsonNode helpers: case-insensitive member access and tolerant scalar reading.</summary>
internal static class ScimJson
{
    /// <summary>The key of the member named <paramref name="name"/>: exact match first, then case-insensitive.</summary>
    public static string? FindKey(JsonObject obj, string name)
    {
        if (obj.ContainsKey(name))
        {
            return name;
        }
        foreach (var (key, _) in obj)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }
        return null;
    }

    public static JsonNode? Get(JsonObject obj, string name) => FindKey(obj, name) is { } key ? obj[key] : null;

    /// <summary>Sets <paramref name="name"/> (canonical casing), dropping a differently cased duplicate.</summary>
    public static void Set(JsonObject obj, string? existingKey, string name, JsonNode? value)
    {
        if (existingKey is not null && existingKey != name)
        {
            obj.Remove(existingKey);
        }
        obj[name] = value;
    }

    public static bool TryGetString(JsonNode? node, out string value)
    {
        value = "";
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }
        value = v.TryGetValue<string>(out var s) ? s : JsonSerializer.Deserialize<string>(v.ToJsonString()) ?? "";
        return true;
    }

    public static string? GetString(JsonNode? node) => TryGetString(node, out var s) ? s : null;

    /// <summary>A JSON boolean, or a "true"/"false" string in any casing (Entra sends "True"/"False").</summary>
    public static bool? ToBoolean(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => ParseBoolean(GetString(node)),
        _ => null,
    };

    public static bool? ParseBoolean(string? text) => bool.TryParse(text?.Trim(), out var b) ? b : null;

    /// <summary>A JSON number, or a string holding one.</summary>
    public static decimal? ToDecimal(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Number => ParseDecimal(node.ToJsonString()),
        JsonValueKind.String => ParseDecimal(GetString(node)),
        _ => null,
    };

    public static decimal? ParseDecimal(string? text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    public static DateTimeOffset? ParseDateTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    /// <summary>Text of a scalar: strings as-is, numbers and booleans in their JSON form; null for objects, arrays, null.</summary>
    public static string? ToText(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => GetString(node),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => node.ToJsonString(),
        _ => null,
    };

    /// <summary>The elements of an array, or the value itself as the only element.</summary>
    public static IEnumerable<JsonNode?> Items(JsonNode? value) => value is JsonArray array ? array : new[] { value };

    /// <summary>null or "": what Entra sends to clear a value.</summary>
    public static bool IsEmpty(JsonNode? node) => node is null || (TryGetString(node, out var s) && s.Length == 0);

    public static bool IsPrimary(JsonNode? element) => element is JsonObject o && ToBoolean(Get(o, "primary")) == true;

    /// <summary>Moves every member of <paramref name="source"/> into <paramref name="target"/>.</summary>
    public static void MoveInto(JsonObject target, JsonObject source)
    {
        var members = source.ToList();
        source.Clear();
        foreach (var (key, value) in members)
        {
            Set(target, FindKey(target, key), key, value);
        }
    }

    public static JsonValue? FromLiteral(object? literal) => literal switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        decimal d => JsonValue.Create(d),
        _ => null,
    };

    public static string? LiteralText(object? literal) => literal switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };
}
