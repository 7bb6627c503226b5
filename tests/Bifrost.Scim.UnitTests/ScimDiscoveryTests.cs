namespace Bifrost.Scim.UnitTests;

public sealed class ScimDiscoveryTests
{
    private const string BaseUrl = "https://bifrost.example.com/scim/v2/";

    private static IEnumerable<JsonObject> Attributes(JsonObject schema) =>
        schema["attributes"]!.AsArray().Select(a => a!.AsObject());

    private static JsonObject Attribute(JsonObject schema, string name) => Attributes(schema).Single(a => a["name"]!.GetValue<string>() == name);

    private static JsonObject SubAttribute(JsonObject attribute, string name) =>
        attribute["subAttributes"]!.AsArray().Select(a => a!.AsObject()).Single(a => a["name"]!.GetValue<string>() == name);

    private static IEnumerable<JsonNode?> AllNodes(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => AllNodes(p.Value).Prepend(p.Value)),
        JsonArray a => a.SelectMany(e => AllNodes(e).Prepend(e)),
        _ => [],
    };

    [Fact]
    public void SchemasList_is_a_list_response_with_user_group_and_enterprise_user()
    {
        var list = ScimDiscovery.SchemasList(BaseUrl);
        Assert.Equal(ScimConstants.ListResponseSchema, list["schemas"]![0]!.GetValue<string>());
        Assert.Equal(3, list["totalResults"]!.GetValue<int>());
        Assert.Equal(3, list["itemsPerPage"]!.GetValue<int>());
        Assert.Equal(1, list["startIndex"]!.GetValue<int>());
        Assert.Equal([ScimConstants.UserSchema, ScimConstants.GroupSchema, ScimConstants.EnterpriseUserSchema],
            list["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
    }

    [Fact]
    public void SchemasList_contains_no_null_values_and_survives_serialization()
    {
        var list = ScimDiscovery.SchemasList(BaseUrl);
        Assert.DoesNotContain(null, AllNodes(list));
        Assert.True(JsonNode.DeepEquals(list, JsonNode.Parse(list.ToJsonString())));
    }

    [Theory]
    [InlineData("emails", new[] { "work", "home", "other" })]
    [InlineData("phoneNumbers", new[] { "work", "home", "mobile", "fax", "pager", "other" })]
    [InlineData("addresses", new[] { "work", "home", "other" })]
    [InlineData("ims", new[] { "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo" })]
    [InlineData("photos", new[] { "photo", "thumbnail" })]
    [InlineData("x509Certificates", new[] { "work", "home", "other" })]
    [InlineData("groups", new[] { "direct", "indirect" })]
    public void Schema_user_type_sub_attributes_list_canonical_values(string attribute, string[] values)
    {
        var user = ScimDiscovery.Schema(ScimSchemas.User, BaseUrl);
        var type = SubAttribute(Attribute(user, attribute), "type");
        Assert.Equal(values, type["canonicalValues"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Theory]
    [InlineData("roles")]
    [InlineData("entitlements")]
    public void Schema_roles_and_entitlements_type_has_no_canonical_values_so_clients_use_primary(string attribute)
    {
        var user = ScimDiscovery.Schema(ScimSchemas.User, BaseUrl);
        Assert.False(SubAttribute(Attribute(user, attribute), "type").ContainsKey("canonicalValues"));
        Assert.Equal("boolean", SubAttribute(Attribute(user, attribute), "primary")["type"]!.GetValue<string>());
    }

    [Fact]
    public void Schema_user_has_rfc_characteristics_in_camel_case()
    {
        var user = ScimDiscovery.Schema(ScimSchemas.User, BaseUrl);
        TestJson.Equal("""
            {"name":"userName","type":"string","multiValued":false,"description":"Unique identifier for the User, typically used by the user to directly authenticate to the service provider.",
             "required":true,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"server"}
            """, Attribute(user, "userName"));
        Assert.Equal("writeOnly", Attribute(user, "password")["mutability"]!.GetValue<string>());
        Assert.Equal("never", Attribute(user, "password")["returned"]!.GetValue<string>());
        Assert.Equal("readOnly", Attribute(user, "groups")["mutability"]!.GetValue<string>());
        Assert.Equal("boolean", Attribute(user, "active")["type"]!.GetValue<string>());
        Assert.Equal("always", Attribute(user, "id")["returned"]!.GetValue<string>());
        Assert.True(Attribute(user, "externalId")["caseExact"]!.GetValue<bool>());
        Assert.Equal(["external"], Attribute(user, "profileUrl")["referenceTypes"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("binary", SubAttribute(Attribute(user, "x509Certificates"), "value")["type"]!.GetValue<string>());
        Assert.DoesNotContain(Attributes(user), a => a["name"]!.GetValue<string>() == "meta");
        Assert.Equal(
            ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"],
            Attribute(user, "name")["subAttributes"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void Schema_has_meta_with_location_under_base_url()
    {
        var user = ScimDiscovery.Schema(ScimSchemas.User, BaseUrl);
        TestJson.Equal($$"""{"resourceType":"Schema","location":"https://bifrost.example.com/scim/v2/Schemas/{{ScimConstants.UserSchema}}"}""", user["meta"]);
        Assert.Equal(ScimConstants.SchemaSchema, user["schemas"]![0]!.GetValue<string>());
        Assert.Equal("User", user["name"]!.GetValue<string>());
    }

    [Fact]
    public void Schema_group_requires_display_name_and_describes_members()
    {
        var group = ScimDiscovery.Schema(ScimSchemas.Group, "");
        Assert.True(Attribute(group, "displayName")["required"]!.GetValue<bool>());
        var members = Attribute(group, "members");
        Assert.True(members["multiValued"]!.GetValue<bool>());
        Assert.Equal(["value", "$ref", "display", "type"], members["subAttributes"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()));
        Assert.Equal(["User", "Group"], SubAttribute(members, "$ref")["referenceTypes"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal($"/Schemas/{ScimConstants.GroupSchema}", group["meta"]!["location"]!.GetValue<string>());
    }

    [Fact]
    public void Schema_enterprise_user_has_complex_manager()
    {
        var enterprise = ScimDiscovery.Schema(ScimSchemas.EnterpriseUser, BaseUrl);
        Assert.Equal(["employeeNumber", "costCenter", "organization", "division", "department", "manager"], Attributes(enterprise).Select(a => a["name"]!.GetValue<string>()));
        var manager = Attribute(enterprise, "manager");
        Assert.Equal("complex", manager["type"]!.GetValue<string>());
        Assert.Equal("readOnly", SubAttribute(manager, "displayName")["mutability"]!.GetValue<string>());
    }

    [Fact]
    public void ResourceTypesList_describes_user_with_optional_enterprise_extension_and_group()
    {
        var list = ScimDiscovery.ResourceTypesList(BaseUrl);
        TestJson.Equal($$"""
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
              "totalResults": 2,
              "Resources": [
                {
                  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                  "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
                  "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
                  "schemaExtensions": [{ "schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false }],
                  "meta": { "resourceType": "ResourceType", "location": "https://bifrost.example.com/scim/v2/ResourceTypes/User" }
                },
                {
                  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                  "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Group",
                  "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
                  "meta": { "resourceType": "ResourceType", "location": "https://bifrost.example.com/scim/v2/ResourceTypes/Group" }
                }
              ],
              "startIndex": 1,
              "itemsPerPage": 2
            }
            """, list);
    }

    [Fact]
    public void ServiceProviderConfig_reflects_settings()
    {
        var config = ScimDiscovery.ServiceProviderConfig(new ScimServiceProviderSettings { BulkMaxOperations = 50, BulkMaxPayloadSize = 2048, FilterMaxResults = 100, EtagSupported = true }, BaseUrl);
        TestJson.Equal("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
              "patch": { "supported": true },
              "bulk": { "supported": true, "maxOperations": 50, "maxPayloadSize": 2048 },
              "filter": { "supported": true, "maxResults": 100 },
              "changePassword": { "supported": false },
              "sort": { "supported": true },
              "etag": { "supported": true },
              "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication scheme using the OAuth Bearer Token Standard",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true
              }],
              "meta": { "resourceType": "ServiceProviderConfig", "location": "https://bifrost.example.com/scim/v2/ServiceProviderConfig" }
            }
            """, config);
    }

    [Fact]
    public void ServiceProviderConfig_includes_documentation_uris_when_set()
    {
        var config = ScimDiscovery.ServiceProviderConfig(new ScimServiceProviderSettings { DocumentationUri = "https://docs/scim", AuthenticationDocumentationUri = "https://docs/auth", SortSupported = false }, "");
        Assert.Equal("https://docs/scim", config["documentationUri"]!.GetValue<string>());
        Assert.Equal("https://docs/auth", config["authenticationSchemes"]![0]!["documentationUri"]!.GetValue<string>());
        Assert.False(config["sort"]!["supported"]!.GetValue<bool>());
    }

    [Fact]
    public void Find_schema_and_resource_type_ignore_case()
    {
        Assert.Same(ScimSchemas.EnterpriseUser, ScimSchemas.Find(ScimConstants.EnterpriseUserSchema.ToUpperInvariant()));
        Assert.Null(ScimSchemas.Find("urn:nope"));
        Assert.Same(ScimResourceType.Group, ScimResourceType.Find("group"));
        Assert.Null(ScimResourceType.Find("Device"));
    }
}
