namespace Bifrost.Scim;

/// <summary>An extension schema attached to a resource schema (RFC 7643 §6 <c>schemaExtensions</c>).</summary>
public sealed record ScimSchemaExtension(ScimSchema Schema, bool Required);

/// <summary>
/// Where a known attribute lives: at the resource root (<see cref="ExtensionSchemaUri"/> null) or inside the
/// extension object keyed by <see cref="ExtensionSchemaUri"/>.
/// </summary>
public sealed record ScimAttributeReference(string? ExtensionSchemaUri, ScimAttribute Attribute, ScimAttribute? SubAttribute);

/// <summary>
/// A schema (RFC 7643 §7). A resource schema (User, Group) also lists the extensions its resource type allows, so
/// that one <see cref="ScimSchema"/> describes everything a resource of that type may hold.
/// </summary>
public sealed class ScimSchema
{
    private readonly Dictionary<string, ScimAttribute> _attributes;

    public ScimSchema(string id, string name, string description, IReadOnlyList<ScimAttribute> attributes, IReadOnlyList<ScimSchemaExtension>? extensions = null)
    {
        Id = id;
        Name = name;
        Description = description;
        Attributes = attributes;
        Extensions = extensions ?? [];
        _attributes = attributes.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        AsAttribute = new ScimAttribute { Name = id, Type = ScimAttributeType.Complex, Description = description, SubAttributes = attributes };
    }

    public string Id { get; }
    public string Name { get; }
    public string Description { get; }
    public IReadOnlyList<ScimAttribute> Attributes { get; }
    public IReadOnlyList<ScimSchemaExtension> Extensions { get; }

    /// <summary>The schema seen as one complex attribute named by its URN: how an extension object sits in a resource.</summary>
    internal ScimAttribute AsAttribute { get; }

    /// <summary>The top-level attribute with this name, compared case-insensitively.</summary>
    public ScimAttribute? FindAttribute(string name) => _attributes.GetValueOrDefault(name);

    /// <summary>The extension schema with this URN, compared case-insensitively.</summary>
    public ScimSchema? FindExtension(string schemaUri)
    {
        foreach (var extension in Extensions)
        {
            if (string.Equals(extension.Schema.Id, schemaUri, StringComparison.OrdinalIgnoreCase))
            {
                return extension.Schema;
            }
        }
        return null;
    }

    /// <summary>
    /// Resolves a path to its attribute definition; null when the schema does not define it. An unqualified name that
    /// the core schema lacks is looked up in the extensions (<c>manager</c>, <c>employeeNumber</c>).
    /// </summary>
    public ScimAttributeReference? ResolveAttribute(ScimAttributePath path)
    {
        var target = ResolveTarget(path, ScimErrorType.InvalidPath);
        return target.Attribute is null ? null : new ScimAttributeReference(target.ContainerKey, target.Attribute, target.SubAttribute);
    }

    internal AttributeTarget ResolveTarget(ScimAttributePath path, string errorType)
    {
        string? container = null;
        ScimAttribute? attribute;
        var name = path.AttributeName;
        if (path.SchemaUri is null || string.Equals(path.SchemaUri, Id, StringComparison.OrdinalIgnoreCase))
        {
            attribute = FindAttribute(name) ?? (string.Equals(name, ScimSchemas.Meta.Name, StringComparison.OrdinalIgnoreCase) ? ScimSchemas.Meta : null);
            for (var i = 0; attribute is null && path.SchemaUri is null && i < Extensions.Count; i++)
            {
                attribute = Extensions[i].Schema.FindAttribute(name);
                container = attribute is null ? null : Extensions[i].Schema.Id;
            }
        }
        else if (FindExtension(path.SchemaUri) is { } extension)
        {
            container = extension.Id;
            attribute = extension.FindAttribute(name);
        }
        else if (FindExtension(path.SchemaUri + ":" + name) is { } whole)
        {
            attribute = whole.AsAttribute;
        }
        else
        {
            container = path.SchemaUri;
            attribute = null;
        }

        ScimAttribute? sub = null;
        if (path.SubAttributeName is not null && attribute is not null)
        {
            if (attribute.Type != ScimAttributeType.Complex)
            {
                throw ScimException.BadRequest(errorType, $"Attribute '{attribute.Name}' has no sub-attributes (path '{path}').");
            }
            sub = attribute.FindSubAttribute(path.SubAttributeName);
        }
        if (path.ValueFilter is not null && attribute is { MultiValued: false })
        {
            throw ScimException.BadRequest(errorType, $"Attribute '{attribute.Name}' is not multi-valued, so it takes no value filter (path '{path}').");
        }
        return new AttributeTarget(container, attribute?.Name ?? name, attribute, sub?.Name ?? path.SubAttributeName, sub, path.ValueFilter);
    }
}

/// <summary>
/// A resolved path: the object holding the attribute (<see cref="ContainerKey"/> null = resource root, else the
/// extension key), the canonical names, the definitions when known, and the value filter.
/// </summary>
internal readonly record struct AttributeTarget(
    string? ContainerKey,
    string Name,
    ScimAttribute? Attribute,
    string? SubName,
    ScimAttribute? SubAttribute,
    ScimFilter? ValueFilter)
{
    public bool IsMultiValued(JsonNode? current) => Attribute?.MultiValued ?? current is JsonArray;
}
