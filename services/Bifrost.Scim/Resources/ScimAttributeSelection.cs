namespace Bifrost.Scim;

/// <summary>
/// The <c>attributes</c> / <c>excludedAttributes</c> query parameters (RFC 7644 §3.4.2.5). Parse once per request,
/// then <see cref="Apply"/> to each resource. <c>schemas</c> and <c>returned: always</c> attributes (<c>id</c>)
/// are always kept, <c>returned: never</c> ones (<c>password</c>) never; <c>returned: request</c> ones only when
/// asked for. Names may be dotted (<c>name.givenName</c>), URN-qualified, or a whole extension URN.
/// </summary>
public sealed class ScimAttributeSelection
{
    private readonly IReadOnlyList<ScimAttributePath> _attributes;
    private readonly IReadOnlyList<ScimAttributePath> _excluded;

    private ScimAttributeSelection(IReadOnlyList<ScimAttributePath> attributes, IReadOnlyList<ScimAttributePath> excluded)
    {
        _attributes = attributes;
        _excluded = excluded;
    }

    /// <summary>No parameters: every attribute returned by default.</summary>
    public static ScimAttributeSelection Default { get; } = new([], []);

    /// <summary>
    /// Parses the comma-separated parameter values (null or empty = not given). A malformed name throws 400
    /// <c>invalidSyntax</c>; unknown names are accepted and simply select nothing.
    /// </summary>
    public static ScimAttributeSelection Parse(string? attributes, string? excludedAttributes)
    {
        var included = ParseList(attributes);
        var excluded = ParseList(excludedAttributes);
        return included.Count == 0 && excluded.Count == 0 ? Default : new ScimAttributeSelection(included, excluded);
    }

    /// <summary>
    /// Whether any part of a top-level attribute will be returned, e.g. <c>IsReturned("members", ScimSchemas.Group)</c>
    /// tells the caller whether to load the member list at all.
    /// </summary>
    public bool IsReturned(string attributeName, ScimSchema schema)
    {
        var target = schema.ResolveTarget(ScimAttributePath.Parse(attributeName), ScimErrorType.InvalidSyntax);
        return Selection(target.ContainerKey, target.Name, target.Attribute, schema).Keep;
    }

    /// <summary>A new object with the selected attributes of <paramref name="resource"/> (which is left unchanged).</summary>
    public JsonObject Apply(JsonObject resource, ScimSchema schema)
    {
        var result = new JsonObject();
        foreach (var (key, value) in resource)
        {
            if (key.Equals("schemas", StringComparison.OrdinalIgnoreCase))
            {
                result[key] = value?.DeepClone();
            }
            else if (value is JsonObject extension && key.Contains(':', StringComparison.Ordinal))
            {
                var extensionSchema = schema.FindExtension(key);
                var projected = new JsonObject();
                foreach (var (name, inner) in extension)
                {
                    Project(projected, key, name, inner, extensionSchema?.FindAttribute(name), schema);
                }
                if (projected.Count > 0)
                {
                    result[key] = projected;
                }
            }
            else
            {
                var attribute = schema.FindAttribute(key)
                    ?? (key.Equals(ScimSchemas.Meta.Name, StringComparison.OrdinalIgnoreCase) ? ScimSchemas.Meta : null);
                Project(result, null, key, value, attribute, schema);
            }
        }
        return result;
    }

    private void Project(JsonObject result, string? container, string name, JsonNode? value, ScimAttribute? attribute, ScimSchema schema)
    {
        var (keep, subs, droppedSubs) = Selection(container, name, attribute, schema);
        if (!keep || value is null)
        {
            return;
        }
        var copy = value.DeepClone();
        if (subs is not null || droppedSubs.Count > 0)
        {
            foreach (var element in copy is JsonArray array ? array.OfType<JsonObject>() : copy is JsonObject single ? [single] : [])
            {
                foreach (var member in element.Select(m => m.Key).ToList())
                {
                    var sub = attribute?.FindSubAttribute(member);
                    var returned = sub?.Returned ?? ScimReturned.Default;
                    var selected = subs is null || subs.Contains(member) || returned == ScimReturned.Always;
                    if (returned == ScimReturned.Never || !selected || (droppedSubs.Contains(member) && returned != ScimReturned.Always))
                    {
                        element.Remove(member);
                    }
                }
            }
            if (copy is JsonArray elements)
            {
                foreach (var empty in elements.OfType<JsonObject>().Where(e => e.Count == 0).ToList())
                {
                    elements.Remove(empty);
                }
            }
            if (copy is JsonArray { Count: 0 } or JsonObject { Count: 0 })
            {
                return;
            }
        }
        result[name] = copy;
    }

    /// <summary>
    /// Whether an attribute is kept, and if only some of its sub-attributes are: <c>Subs</c> null = all of them;
    /// <c>DroppedSubs</c> = sub-attributes named in <c>excludedAttributes</c>.
    /// </summary>
    private (bool Keep, HashSet<string>? Subs, HashSet<string> DroppedSubs) Selection(string? container, string name, ScimAttribute? attribute, ScimSchema schema)
    {
        var returned = attribute?.Returned ?? ScimReturned.Default;
        var dropped = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (returned == ScimReturned.Always || returned == ScimReturned.Never)
        {
            return (returned == ScimReturned.Always, null, dropped);
        }
        var (excludedWhole, excludedSubs) = Match(_excluded, container, name, schema);
        if (excludedWhole)
        {
            return (false, null, dropped);
        }
        dropped.UnionWith(excludedSubs);
        if (_attributes.Count == 0)
        {
            return (returned != ScimReturned.Request, null, dropped);
        }
        var (requestedWhole, requestedSubs) = Match(_attributes, container, name, schema);
        return (requestedWhole || requestedSubs.Count > 0, requestedWhole ? null : requestedSubs, dropped);
    }

    /// <summary>Whether <paramref name="paths"/> name the attribute as a whole (or its extension), and which of its sub-attributes they name.</summary>
    private static (bool Whole, HashSet<string> Subs) Match(IReadOnlyList<ScimAttributePath> paths, string? container, string name, ScimSchema schema)
    {
        var whole = false;
        var subs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            var target = schema.ResolveTarget(path, ScimErrorType.InvalidSyntax);
            var sameAttribute = string.Equals(target.ContainerKey, container, StringComparison.OrdinalIgnoreCase)
                && target.Name.Equals(name, StringComparison.OrdinalIgnoreCase);
            var wholeExtension = container is not null && target.SubName is null
                && (target.ContainerKey is null ? target.Name : target.ContainerKey + ":" + target.Name).Equals(container, StringComparison.OrdinalIgnoreCase);
            if (sameAttribute && target.SubName is not null)
            {
                subs.Add(target.SubName);
            }
            else if (sameAttribute || wholeExtension)
            {
                whole = true;
            }
        }
        return (whole, subs);
    }

    private static List<ScimAttributePath> ParseList(string? value)
    {
        var paths = new List<ScimAttributePath>();
        foreach (var item in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // RFC 7644 has no filters here, but Microsoft's SCIM test collection sends `emails[type eq "work"]` and
            // expects 200: the filter is ignored and the whole attribute selected.
            var path = ScimFilterParser.ParsePath(item, ScimErrorType.InvalidSyntax);
            paths.Add(path.ValueFilter is null ? path : path with { ValueFilter = null });
        }
        return paths;
    }
}
