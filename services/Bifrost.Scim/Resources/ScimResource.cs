namespace Bifrost.Scim;

/// <summary>Create/replace normalisation and value extraction for stored resources.</summary>
public static class ScimResource
{
    /// <summary>
    /// Validates and normalises a POST/PUT body into a canonical resource: attribute names in schema casing
    /// (matched case-insensitively), values coerced to their types ("True"/"False" strings for booleans, a plain
    /// manager id as <c>{"value": id}</c>), null and "" dropped, readOnly (<c>id</c>, <c>meta</c>, <c>groups</c>) and
    /// writeOnly (<c>password</c>) attributes dropped, URN-qualified keys moved into their extension object, unknown
    /// attributes and extensions kept as sent, and <c>schemas</c> recomputed from the content (so unknown URIs
    /// such as Microsoft's ADSCIM one are accepted, never echoed). Group <c>members</c> stay in the output; see
    /// <see cref="DetachMembers"/>. Throws 400 <c>invalidValue</c> for a missing required attribute, a type
    /// mismatch or more than one <c>primary: true</c>.
    /// </summary>
    public static JsonObject Normalize(JsonObject body, ScimSchema schema)
    {
        var resource = new JsonObject { ["schemas"] = null };
        var writer = new ResourceWriter(schema, resource, patching: false);
        writer.Apply(ScimPatchOperationType.Replace, null, body);
        return writer.Complete(null);
    }

    /// <summary>
    /// The e-mail to index: the <c>work</c> one, else the primary one, else the first; null when there is none.
    /// </summary>
    public static string? GetWorkEmail(JsonObject user)
    {
        var emails = (ScimJson.Get(user, "emails") as JsonArray)?.OfType<JsonObject>()
            .Where(e => !string.IsNullOrEmpty(ScimJson.GetString(ScimJson.Get(e, "value"))))
            .ToList();
        var email = emails?.FirstOrDefault(e => string.Equals(ScimJson.GetString(ScimJson.Get(e, "type")), "work", StringComparison.OrdinalIgnoreCase))
            ?? emails?.FirstOrDefault(ScimJson.IsPrimary)
            ?? emails?.FirstOrDefault();
        return email is null ? null : ScimJson.GetString(ScimJson.Get(email, "value"));
    }

    /// <summary>
    /// The first scalar value a path selects, as text: <c>userName</c>, <c>name.familyName</c>,
    /// <c>urn:…:enterprise:2.0:User:employeeNumber</c>, <c>manager</c> (its <c>value</c>),
    /// <c>emails[type eq "work"].value</c>. Null when absent.
    /// </summary>
    public static string? GetString(JsonObject resource, ScimSchema schema, string path)
    {
        string? result = null;
        ScimFilterEvaluator.AnyValue(resource, schema, ScimAttributePath.Parse(path), (value, _) =>
        {
            result = ScimJson.ToText(value is JsonObject complex ? ScimJson.Get(complex, "value") : value);
            return result is not null;
        });
        return result;
    }

    /// <summary>Removes <c>members</c> from a group resource and returns the distinct member ids, in order.</summary>
    public static IReadOnlyList<string> DetachMembers(JsonObject group)
    {
        var key = ScimJson.FindKey(group, "members");
        if (key is null)
        {
            return [];
        }
        var members = group[key];
        group.Remove(key);
        return (members as JsonArray ?? [])
            .Select(m => ScimJson.ToText(m is JsonObject obj ? ScimJson.Get(obj, "value") : m))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
