namespace Bifrost.Scim;

/// <summary>Value coercion and the rules for multi-valued attributes (duplicates, primary).</summary>
internal sealed partial class ResourceWriter
{
    /// <summary>Coerces one value (not an array of values) to the attribute's type; null when it is empty.</summary>
    private JsonNode? Coerce(JsonNode? value, ScimAttribute? attribute)
    {
        if (ScimJson.IsEmpty(value))
        {
            return null;
        }
        if (attribute is null)
        {
            return value!.DeepClone();
        }
        if (value is JsonArray array)
        {
            return array.Count switch
            {
                0 => null,
                1 => Coerce(array[0], attribute),
                _ => throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"Attribute '{attribute.Name}' is single-valued but got {array.Count} values."),
            };
        }
        if (attribute.Type == ScimAttributeType.Complex)
        {
            return CoerceComplex(Unstringify(value!, attribute), attribute);
        }
        if (value is JsonObject wrapper)
        {
            // {"value": x} for a simple attribute: unwrap, anything else is a type mismatch.
            return wrapper.Count == 1 && ScimJson.FindKey(wrapper, "value") is { } valueKey
                ? Coerce(wrapper[valueKey], attribute)
                : throw TypeMismatch(attribute);
        }
        return CoerceScalar(value!, attribute);
    }

    private JsonObject? CoerceComplex(JsonNode value, ScimAttribute attribute)
    {
        if (value is JsonObject obj)
        {
            var result = new JsonObject();
            Merge(result, obj, attribute, ScimPatchOperationType.Replace);
            return result.Count == 0 ? null : result;
        }
        // A bare scalar is the "value" sub-attribute: the manager id Entra sends as a plain string.
        var valueAttribute = attribute.FindSubAttribute("value") ?? throw TypeMismatch(attribute);
        return Coerce(value, valueAttribute) is { } inner ? new JsonObject { [valueAttribute.Name] = inner } : null;
    }

    private static JsonNode CoerceScalar(JsonNode value, ScimAttribute attribute)
    {
        var kind = value.GetValueKind();
        return attribute.Type switch
        {
            ScimAttributeType.Boolean => ScimJson.ToBoolean(value) is { } b ? JsonValue.Create(b) : throw TypeMismatch(attribute),
            ScimAttributeType.Integer => ScimJson.ToDecimal(value) is { } i && decimal.IsInteger(i)
                ? kind == JsonValueKind.Number ? value.DeepClone() : JsonValue.Create(i)
                : throw TypeMismatch(attribute),
            ScimAttributeType.Decimal => ScimJson.ToDecimal(value) is { } d
                ? kind == JsonValueKind.Number ? value.DeepClone() : JsonValue.Create(d)
                : throw TypeMismatch(attribute),
            ScimAttributeType.DateTime => ScimJson.ParseDateTime(ScimJson.GetString(value)) is not null ? value.DeepClone() : throw TypeMismatch(attribute),
            _ => kind == JsonValueKind.String ? value.DeepClone() : JsonValue.Create(ScimJson.ToText(value)) ?? throw TypeMismatch(attribute),
        };
    }

    /// <summary>An array of values (a single value counts as one), without empties and with at most one primary.</summary>
    private JsonArray CoerceMany(JsonNode? value, ScimAttribute? attribute)
    {
        var result = new JsonArray();
        foreach (var item in ScimJson.Items(value))
        {
            if (Coerce(item, attribute) is { } coerced)
            {
                result.Add(coerced);
            }
        }
        CheckSinglePrimary(result, attribute?.Name);
        return result;
    }

    /// <summary>
    /// Entra's expression-mapped roles arrive as JSON text in <c>value</c>:
    /// <c>{"value": "{\"id\":…,\"value\":\"25\",\"displayName\":\"Role1234\"}"}</c>. Decode it into the element
    /// (keeping the other members) and map <c>displayName</c> onto <c>display</c>.
    /// </summary>
    private static JsonNode Unstringify(JsonNode value, ScimAttribute attribute)
    {
        var outer = value as JsonObject;
        var text = ScimJson.GetString(outer is null ? value : ScimJson.Get(outer, "value"));
        if (text is null || !text.TrimStart().StartsWith('{') || !TryParseObject(text, out var decoded))
        {
            return value;
        }
        foreach (var (key, node) in outer ?? [])
        {
            if (!key.Equals("value", StringComparison.OrdinalIgnoreCase) && ScimJson.FindKey(decoded, key) is null)
            {
                decoded[key] = node?.DeepClone();
            }
        }
        if (attribute.FindSubAttribute("displayName") is null && attribute.FindSubAttribute("display") is not null
            && ScimJson.FindKey(decoded, "displayName") is { } displayName && ScimJson.FindKey(decoded, "display") is null)
        {
            var display = decoded[displayName];
            decoded.Remove(displayName);
            decoded["display"] = display;
        }
        return decoded;
    }

    private static bool TryParseObject(string text, out JsonObject obj)
    {
        try
        {
            obj = JsonNode.Parse(text) as JsonObject ?? [];
            return obj.Count > 0;
        }
        catch (JsonException)
        {
            obj = [];
            return false;
        }
    }

    /// <summary>Equal values, or complex values with the same <c>value</c> sub-attribute.</summary>
    private static bool SameValue(JsonNode? element, JsonNode? listed) =>
        JsonNode.DeepEquals(element, listed)
        || (element is JsonObject e && listed is JsonObject l && ScimJson.Get(l, "value") is { } value && JsonNode.DeepEquals(ScimJson.Get(e, "value"), value));

    private static void Append(JsonArray existing, JsonArray incoming)
    {
        var added = incoming.Where(item => !existing.Any(e => JsonNode.DeepEquals(e, item))).ToList();
        incoming.Clear();
        if (added.Any(ScimJson.IsPrimary))
        {
            Demote(existing);
        }
        foreach (var item in added)
        {
            existing.Add(item);
        }
    }

    /// <summary>RFC 7644 §3.5.2: setting a new primary value clears <c>primary</c> on the others.</summary>
    private static void Demote(IEnumerable<JsonNode?> elements)
    {
        foreach (var element in elements)
        {
            if (element is JsonObject obj && ScimJson.IsPrimary(obj))
            {
                obj[ScimJson.FindKey(obj, "primary")!] = false;
            }
        }
    }

    private static void CheckSinglePrimary(JsonArray elements, string? name)
    {
        if (elements.Count(ScimJson.IsPrimary) > 1)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"At most one value of '{name}' may have primary set to true.");
        }
    }

    private static ScimException TypeMismatch(ScimAttribute attribute) =>
        ScimException.BadRequest(ScimErrorType.InvalidValue,
            $"Attribute '{attribute.Name}' expects a {JsonNamingPolicy.CamelCase.ConvertName(attribute.Type.ToString())} value.");
}
