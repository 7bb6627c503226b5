namespace Bifrost.Scim;

/// <summary>
/// Bodies for <c>/Schemas</c>, <c>/ResourceTypes</c> and <c>/ServiceProviderConfig</c> (RFC 7643 §5–7, RFC 7644 §4).
/// <paramref name="baseUrl"/> arguments are the SCIM base (<c>https://host/scim/v2</c>) used for
/// <c>meta.location</c>; pass "" for relative locations. Absent values are omitted, never written as null.
/// </summary>
public static class ScimDiscovery
{
    public static JsonObject SchemasList(string baseUrl) =>
        ScimListResponse.Create(ScimSchemas.All.Select(s => Schema(s, baseUrl)), ScimSchemas.All.Count);

    public static JsonObject Schema(ScimSchema schema, string baseUrl) => new()
    {
        ["schemas"] = new JsonArray(ScimConstants.SchemaSchema),
        ["id"] = schema.Id,
        ["name"] = schema.Name,
        ["description"] = schema.Description,
        ["attributes"] = new JsonArray([.. schema.Attributes.Select(AttributeJson)]),
        ["meta"] = Meta("Schema", baseUrl, "/Schemas/" + schema.Id),
    };

    public static JsonObject ResourceTypesList(string baseUrl) =>
        ScimListResponse.Create(ScimResourceType.All.Select(t => ResourceType(t, baseUrl)), ScimResourceType.All.Count);

    public static JsonObject ResourceType(ScimResourceType type, string baseUrl)
    {
        var json = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ResourceTypeSchema),
            ["id"] = type.Name,
            ["name"] = type.Name,
            ["endpoint"] = type.Endpoint,
            ["description"] = type.Description,
            ["schema"] = type.Schema.Id,
        };
        if (type.Schema.Extensions.Count > 0)
        {
            json["schemaExtensions"] = new JsonArray([.. type.Schema.Extensions.Select(e =>
                (JsonNode)new JsonObject { ["schema"] = e.Schema.Id, ["required"] = e.Required })]);
        }
        json["meta"] = Meta("ResourceType", baseUrl, "/ResourceTypes/" + type.Name);
        return json;
    }

    public static JsonObject ServiceProviderConfig(ScimServiceProviderSettings settings, string baseUrl)
    {
        var json = new JsonObject { ["schemas"] = new JsonArray(ScimConstants.ServiceProviderConfigSchema) };
        AddIfSet(json, "documentationUri", settings.DocumentationUri);
        json["patch"] = Supported(true);
        json["bulk"] = Supported(settings.BulkSupported, ("maxOperations", settings.BulkMaxOperations), ("maxPayloadSize", settings.BulkMaxPayloadSize));
        json["filter"] = Supported(settings.FilterSupported, ("maxResults", settings.FilterMaxResults));
        json["changePassword"] = Supported(false);
        json["sort"] = Supported(settings.SortSupported);
        json["etag"] = Supported(settings.EtagSupported);
        var scheme = new JsonObject
        {
            ["type"] = "oauthbearertoken",
            ["name"] = "OAuth Bearer Token",
            ["description"] = "Authentication scheme using the OAuth Bearer Token Standard",
            ["specUri"] = "https://www.rfc-editor.org/info/rfc6750",
        };
        AddIfSet(scheme, "documentationUri", settings.AuthenticationDocumentationUri);
        scheme["primary"] = true;
        json["authenticationSchemes"] = new JsonArray(scheme);
        json["meta"] = Meta("ServiceProviderConfig", baseUrl, "/ServiceProviderConfig");
        return json;
    }

    private static JsonObject AttributeJson(ScimAttribute attribute)
    {
        var json = new JsonObject
        {
            ["name"] = attribute.Name,
            ["type"] = Camel(attribute.Type),
            ["multiValued"] = attribute.MultiValued,
            ["description"] = attribute.Description,
            ["required"] = attribute.Required,
            ["caseExact"] = attribute.CaseExact,
        };
        AddList(json, "canonicalValues", attribute.CanonicalValues);
        AddList(json, "referenceTypes", attribute.ReferenceTypes);
        json["mutability"] = Camel(attribute.Mutability);
        json["returned"] = Camel(attribute.Returned);
        json["uniqueness"] = Camel(attribute.Uniqueness);
        if (attribute.SubAttributes.Count > 0)
        {
            json["subAttributes"] = new JsonArray([.. attribute.SubAttributes.Select(AttributeJson)]);
        }
        return json;
    }

    private static JsonObject Supported(bool supported, params (string Name, int Value)[] limits)
    {
        var json = new JsonObject { ["supported"] = supported };
        foreach (var (name, value) in limits)
        {
            json[name] = value;
        }
        return json;
    }

    private static JsonObject Meta(string resourceType, string baseUrl, string relative) => new()
    {
        ["resourceType"] = resourceType,
        ["location"] = baseUrl.TrimEnd('/') + relative,
    };

    private static void AddList(JsonObject json, string name, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            json[name] = new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
        }
    }

    private static void AddIfSet(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }

    private static string Camel<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
