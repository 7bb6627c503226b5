namespace Bifrost.Scim;

/// <summary>
/// Writes values into a resource by schema: the PATCH engine and, with <c>patching: false</c>, the create/replace
/// normaliser (a path-less replace onto an empty resource). Attribute names are matched case-insensitively and
/// written with the schema's casing; values are coerced to the attribute type; unknown attributes are kept as sent.
/// In patch mode group members are collected in <see cref="Members"/> instead of being written, and a change to a
/// readOnly attribute is a 400 <c>mutability</c>; in create mode readOnly attributes are dropped.
/// </summary>
internal sealed partial class ResourceWriter(ScimSchema schema, JsonObject resource, bool patching)
{
    private static readonly string[] ElementLabels = ["type", "primary"];

    public ScimMemberChanges Members { get; } = new();

    public void Apply(ScimPatchOperationType op, ScimAttributePath? path, JsonNode? value)
    {
        if (path is null)
        {
            ApplyObject(op, value);
        }
        else
        {
            ApplyTarget(op, schema.ResolveTarget(path, ScimErrorType.InvalidPath), value);
        }
    }

    /// <summary>Recomputes <c>schemas</c> and checks that no required attribute went missing.</summary>
    public JsonObject Complete(JsonObject? original)
    {
        var uris = new JsonArray(schema.Id);
        foreach (var (key, node) in resource)
        {
            if (node is JsonObject && key.Contains(':', StringComparison.Ordinal))
            {
                uris.Add(schema.FindExtension(key)?.Id ?? key);
            }
        }
        if (ScimJson.FindKey(resource, "schemas") is { } schemasKey)
        {
            resource[schemasKey] = uris;
        }
        else
        {
            resource.Insert(0, "schemas", uris);
        }
        foreach (var (container, attribute) in RequiredAttributes())
        {
            if (!IsSet(resource, container, attribute) && (original is null || IsSet(original, container, attribute)))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"Attribute '{attribute}' is required.");
            }
        }
        return resource;
    }

    /// <summary>A path-less add/replace: every key of the object is a target (plain, dotted or URN-qualified).</summary>
    private void ApplyObject(ScimPatchOperationType op, JsonNode? value)
    {
        if (value is not JsonObject obj)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"An {op} without a path needs an object value.");
        }
        foreach (var (key, node) in obj)
        {
            if (key.Equals("schemas", StringComparison.OrdinalIgnoreCase) || key.Equals("meta", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (node is JsonObject && key.Equals(schema.Id, StringComparison.OrdinalIgnoreCase))
            {
                ApplyObject(op, node);
            }
            else if (node is JsonObject && IsUnknownExtension(key))
            {
                // An extension the schema does not know (Entra custom attributes): keep its object as sent.
                ApplyTarget(op, new AttributeTarget(null, key, null, null, null, null), node);
            }
            else
            {
                ApplyTarget(op, schema.ResolveTarget(ParseKey(key), ScimErrorType.InvalidPath), node);
            }
        }
    }

    /// <summary>A URN key that names neither a known schema nor an attribute of one: a custom extension object.</summary>
    private bool IsUnknownExtension(string key)
    {
        var colon = key.LastIndexOf(':');
        return colon > 0 && !IsKnownSchema(key) && !IsKnownSchema(key[..colon]);
    }

    private bool IsKnownSchema(string uri) => uri.Equals(schema.Id, StringComparison.OrdinalIgnoreCase) || schema.FindExtension(uri) is not null;

    private static ScimAttributePath ParseKey(string key)
    {
        try
        {
            return ScimAttributePath.Parse(key);
        }
        catch (ScimException)
        {
            return new ScimAttributePath(null, key);
        }
    }

    private void ApplyTarget(ScimPatchOperationType op, AttributeTarget target, JsonNode? value)
    {
        if (target.ContainerKey is null && target.Name.Equals("schemas", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        if (patching && target.ContainerKey is null && schema.Id == ScimConstants.GroupSchema && target.Attribute?.Name == "members")
        {
            ApplyMembers(op, target, value);
            return;
        }
        if (target.Attribute?.Mutability == ScimMutability.WriteOnly)
        {
            return; // passwords are never stored
        }
        if (target.Attribute?.Mutability == ScimMutability.ReadOnly || target.SubAttribute?.Mutability == ScimMutability.ReadOnly)
        {
            if (patching && !IsUnchanged(op, target, value))
            {
                throw ScimException.BadRequest(ScimErrorType.Mutability, $"Attribute '{target.Name}' is readOnly.");
            }
            return;
        }
        var containerKey = target.ContainerKey is null ? null : ScimJson.FindKey(resource, target.ContainerKey);
        var container = target.ContainerKey is null ? resource : containerKey is null ? null : resource[containerKey] as JsonObject;
        if (container is null)
        {
            if (op == ScimPatchOperationType.Remove || ScimJson.IsEmpty(value))
            {
                return;
            }
            container = [];
            ScimJson.Set(resource, containerKey, target.ContainerKey!, container);
        }
        Write(container, target, op, value);
        if (target.ContainerKey is not null && container.Count == 0)
        {
            resource.Remove(ScimJson.FindKey(resource, target.ContainerKey)!);
        }
    }

    private bool IsUnchanged(ScimPatchOperationType op, AttributeTarget target, JsonNode? value)
    {
        if (op == ScimPatchOperationType.Remove || target.SubName is not null || target.ValueFilter is not null || target.ContainerKey is not null)
        {
            return false;
        }
        var current = ScimJson.Get(resource, target.Name);
        var proposed = target.IsMultiValued(current) ? CoerceMany(value, target.Attribute) : Coerce(value, target.Attribute);
        return JsonNode.DeepEquals(current, proposed);
    }

    private void Write(JsonObject container, AttributeTarget target, ScimPatchOperationType op, JsonNode? value)
    {
        var key = ScimJson.FindKey(container, target.Name);
        var current = key is null ? null : container[key];
        if (target.ValueFilter is null && target.SubName is null)
        {
            WriteAttribute(container, target.Name, target.Attribute, op, value);
        }
        else if (target.ValueFilter is null && !target.IsMultiValued(current))
        {
            WriteSubAttribute(container, key, target, op, value, current as JsonObject);
        }
        else
        {
            WriteElements(container, key, target, op, value, current);
        }
    }

    /// <summary>Writes a whole attribute. Add appends to a multi-valued attribute and replaces anything else.</summary>
    private void WriteAttribute(JsonObject container, string name, ScimAttribute? attribute, ScimPatchOperationType op, JsonNode? value)
    {
        var key = ScimJson.FindKey(container, name);
        var current = key is null ? null : container[key];
        var multiValued = attribute?.MultiValued ?? (current is JsonArray || value is JsonArray);
        if (op == ScimPatchOperationType.Add && multiValued && ScimJson.IsEmpty(value))
        {
            return;
        }
        if (op == ScimPatchOperationType.Remove && multiValued && !ScimJson.IsEmpty(value) && current is JsonArray values)
        {
            // A remove with a value removes only the listed values (Entra's member removal, generalised).
            var listed = CoerceMany(value, attribute);
            foreach (var element in values.Where(e => listed.Any(l => SameValue(e, l))).ToList())
            {
                values.Remove(element);
            }
            SetOrRemove(container, key, name, values.Count == 0 ? null : values);
        }
        else if (op == ScimPatchOperationType.Remove || ScimJson.IsEmpty(value))
        {
            Remove(container, key);
        }
        else if (multiValued)
        {
            var incoming = CoerceMany(value, attribute);
            if (op == ScimPatchOperationType.Add && current is JsonArray existing)
            {
                Append(existing, incoming);
            }
            else
            {
                SetOrRemove(container, key, name, incoming.Count == 0 ? null : incoming);
            }
        }
        else if (value is JsonObject patch && current is JsonObject target && attribute?.Type is null or ScimAttributeType.Complex)
        {
            // RFC 7644 §3.5.2.1/3: a complex value is merged; sub-attributes not named are left alone.
            Merge(target, patch, attribute, op);
            if (target.Count == 0)
            {
                Remove(container, key);
            }
        }
        else
        {
            SetOrRemove(container, key, name, Coerce(value, attribute));
        }
    }

    private void WriteSubAttribute(JsonObject container, string? key, AttributeTarget target, ScimPatchOperationType op, JsonNode? value, JsonObject? parent)
    {
        if (parent is null)
        {
            if (op == ScimPatchOperationType.Remove || ScimJson.IsEmpty(value))
            {
                return;
            }
            parent = [];
            ScimJson.Set(container, key, target.Name, parent);
            key = target.Name;
        }
        WriteAttribute(parent, target.SubName!, target.SubAttribute, Narrow(op), value);
        if (parent.Count == 0)
        {
            Remove(container, key);
        }
    }

    /// <summary>
    /// Writes the elements of a multi-valued attribute selected by a value filter (or all of them for
    /// <c>emails.value</c>). When add/replace finds no element, one is created from the filter's <c>eq</c> terms,
    /// so <c>emails[type eq "work"].value</c> creates the work e-mail and leaves the others alone.
    /// </summary>
    private void WriteElements(JsonObject container, string? key, AttributeTarget target, ScimPatchOperationType op, JsonNode? value, JsonNode? current)
    {
        var elements = current switch
        {
            JsonArray array => array,
            null => null,
            _ => new JsonArray(current.DeepClone()),
        };
        var matches = elements?.OfType<JsonObject>()
            .Where(e => target.ValueFilter is null || ScimFilterEvaluator.MatchesElement(e, target.ValueFilter, target.Attribute))
            .ToList() ?? [];
        if (op == ScimPatchOperationType.Remove || ScimJson.IsEmpty(value))
        {
            foreach (var element in matches)
            {
                if (target.SubName is not null)
                {
                    Remove(element, ScimJson.FindKey(element, target.SubName));
                }
                if (target.SubName is null || element.All(m => ElementLabels.Contains(m.Key, StringComparer.OrdinalIgnoreCase)))
                {
                    elements!.Remove(element);
                }
            }
        }
        else
        {
            if (matches.Count == 0)
            {
                var created = new JsonObject();
                if (target.ValueFilter is not null)
                {
                    AddFilterValues(created, target.ValueFilter, target.Attribute, required: true);
                }
                elements ??= [];
                elements.Add(created);
                matches.Add(created);
            }
            foreach (var element in matches)
            {
                WriteElement(element, target, op, value);
            }
            if (matches.Any(ScimJson.IsPrimary))
            {
                Demote(elements!.Where(e => !matches.Contains(e)));
            }
            CheckSinglePrimary(elements!, target.Name);
        }
        if (elements is null)
        {
            return;
        }
        SetOrRemove(container, key, target.Name, elements.Count == 0 ? null : elements);
    }

    private void WriteElement(JsonObject element, AttributeTarget target, ScimPatchOperationType op, JsonNode? value)
    {
        if (target.SubName is not null)
        {
            WriteAttribute(element, target.SubAttribute?.Name ?? target.SubName, target.SubAttribute, Narrow(op), value);
            return;
        }
        if (Coerce(value, target.Attribute) is not JsonObject replacement)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"A value of '{target.Name}' must be an object.");
        }
        if (op == ScimPatchOperationType.Replace)
        {
            element.Clear();
        }
        ScimJson.MoveInto(element, replacement);
        if (op == ScimPatchOperationType.Replace && target.ValueFilter is not null)
        {
            AddFilterValues(element, target.ValueFilter, target.Attribute, required: false);
        }
    }

    /// <summary>Sets the sub-attributes named by <c>eq</c> terms joined with <c>and</c>, where the element lacks them.</summary>
    private void AddFilterValues(JsonObject element, ScimFilter filter, ScimAttribute? attribute, bool required)
    {
        var terms = new List<ScimComparisonFilter>();
        if (!CollectEqualities(filter, terms))
        {
            if (required)
            {
                throw ScimException.BadRequest(ScimErrorType.NoTarget, $"No value matches the filter [{filter}], and it is not a set of 'eq' terms to create one from.");
            }
            return;
        }
        foreach (var term in terms)
        {
            var sub = attribute?.FindSubAttribute(term.Path.AttributeName);
            var name = sub?.Name ?? term.Path.AttributeName;
            if (ScimJson.FindKey(element, name) is null)
            {
                SetOrRemove(element, null, name, Coerce(ScimJson.FromLiteral(term.Value), sub));
            }
        }
    }

    private static bool CollectEqualities(ScimFilter filter, List<ScimComparisonFilter> terms) => filter switch
    {
        ScimLogicalFilter { Operator: ScimLogicalOperator.And } f => CollectEqualities(f.Left, terms) && CollectEqualities(f.Right, terms),
        ScimComparisonFilter { Operator: ScimComparisonOperator.Eq, Value: not null, Path: { SchemaUri: null, SubAttributeName: null, ValueFilter: null } } f =>
            Collect(terms, f),
        _ => false,
    };

    private static bool Collect(List<ScimComparisonFilter> terms, ScimComparisonFilter term)
    {
        terms.Add(term);
        return true;
    }

    private void Merge(JsonObject target, JsonObject patch, ScimAttribute? attribute, ScimPatchOperationType op)
    {
        foreach (var (key, node) in patch)
        {
            var sub = attribute?.FindSubAttribute(key);
            if (sub?.Mutability is ScimMutability.ReadOnly or ScimMutability.WriteOnly)
            {
                continue; // echoed server values (manager.displayName) are ignored inside a value
            }
            WriteAttribute(target, sub?.Name ?? key, sub, op, node);
        }
    }

    private void ApplyMembers(ScimPatchOperationType op, AttributeTarget target, JsonNode? value)
    {
        if (target.SubName is not null || (target.ValueFilter is not null && op != ScimPatchOperationType.Remove))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidPath, "Group members are added, removed or replaced as a whole, or removed by 'members[value eq \"id\"]'.");
        }
        if (target.ValueFilter is not null)
        {
            Members.Remove(MemberIds(target.ValueFilter));
        }
        else if (op == ScimPatchOperationType.Add)
        {
            Members.Add(MemberIds(value));
        }
        else if (op == ScimPatchOperationType.Replace || ScimJson.IsEmpty(value))
        {
            // Replace starts from an empty list; a remove without a value is Entra's and the RFC's "remove all".
            Members.Clear();
            Members.Add(MemberIds(value));
        }
        else
        {
            // Entra's remove with a value removes only the listed members.
            Members.Remove(MemberIds(value));
        }
    }

    private static IEnumerable<string> MemberIds(JsonNode? value) =>
        ScimJson.IsEmpty(value) ? [] : ScimJson.Items(value).Select(MemberId).ToList();

    private static string MemberId(JsonNode? member)
    {
        var id = ScimJson.ToText(member is JsonObject obj ? ScimJson.Get(obj, "value") : member);
        return string.IsNullOrEmpty(id)
            ? throw ScimException.BadRequest(ScimErrorType.InvalidValue, "Each member needs a 'value' holding the member's id.")
            : id;
    }

    private static IEnumerable<string> MemberIds(ScimFilter filter) => filter switch
    {
        ScimLogicalFilter { Operator: ScimLogicalOperator.Or } f => MemberIds(f.Left).Concat(MemberIds(f.Right)),
        ScimComparisonFilter { Operator: ScimComparisonOperator.Eq, Value: string or decimal, Path: { SchemaUri: null, SubAttributeName: null } } f
            when f.Path.AttributeName.Equals("value", StringComparison.OrdinalIgnoreCase) =>
            [ScimJson.LiteralText(f.Value)!],
        _ => throw ScimException.BadRequest(ScimErrorType.InvalidPath, "A members filter may only use 'value eq \"id\"', optionally joined with 'or'."),
    };

    private IEnumerable<(string? Container, string Attribute)> RequiredAttributes() =>
        schema.Attributes.Where(a => a.Required).Select(a => ((string?)null, a.Name))
            .Concat(schema.Extensions.SelectMany(e => e.Schema.Attributes.Where(a => a.Required).Select(a => ((string?)e.Schema.Id, a.Name))));

    private static bool IsSet(JsonObject resource, string? container, string attribute)
    {
        var holder = container is null ? resource : ScimJson.Get(resource, container) as JsonObject;
        return holder is not null && !ScimJson.IsEmpty(ScimJson.Get(holder, attribute));
    }

    private static ScimPatchOperationType Narrow(ScimPatchOperationType op) =>
        op == ScimPatchOperationType.Remove ? op : ScimPatchOperationType.Replace;

    private static void SetOrRemove(JsonObject container, string? key, string name, JsonNode? value)
    {
        if (value is null)
        {
            Remove(container, key);
        }
        else if (key is null || !ReferenceEquals(container[key], value))
        {
            ScimJson.Set(container, key, name, value);
        }
    }

    private static void Remove(JsonObject container, string? key)
    {
        if (key is not null)
        {
            container.Remove(key);
        }
    }
}
