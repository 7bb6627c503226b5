namespace Bifrost.Scim.UnitTests;

public sealed class ScimAttributeSelectionTests
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    private static JsonObject User()
    {
        var user = ScimResource.Normalize(TestJson.Parse("""
            {
              "userName": "bjensen", "externalId": "ext", "displayName": "Babs",
              "name": { "familyName": "Jensen", "givenName": "Barbara" },
              "emails": [{ "value": "b@x", "type": "work", "primary": true }],
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "1", "department": "Ops", "manager": "m" },
              "urn:ietf:params:scim:schemas:extension:Acme:2.0:User": { "badge": "7" }
            }
            """), ScimSchemas.User);
        user["id"] = "u-1";
        user["meta"] = JsonNode.Parse("""{"resourceType":"User","location":"/Users/u-1"}""");
        user["password"] = "never-returned";
        return user;
    }

    private static JsonObject Project(string? attributes, string? excluded, JsonObject? resource = null, ScimSchema? schema = null) =>
        ScimAttributeSelection.Parse(attributes, excluded).Apply(resource ?? User(), schema ?? ScimSchemas.User);

    [Fact]
    public void Apply_default_selection_returns_everything_but_password()
    {
        var user = User();
        var projected = Project(null, null, user);
        user.Remove("password");
        Assert.True(JsonNode.DeepEquals(user, projected));
    }

    [Fact]
    public void Apply_excluded_members_removes_members_from_group()
    {
        // entra-requests.md §3.2: GET /Groups/{id}?excludedAttributes=members
        var group = TestJson.Parse("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"40734ae655284ad3abcc","externalId":"60f1bb27-2e1e-402d-bcc4-ec999564a194","meta":{"resourceType":"Group"},"displayName":"displayName","members":[{"value":"a"}]}""");
        var projected = Project(null, "members", group, ScimSchemas.Group);
        TestJson.Equal("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"40734ae655284ad3abcc","externalId":"60f1bb27-2e1e-402d-bcc4-ec999564a194","meta":{"resourceType":"Group"},"displayName":"displayName"}""", projected);
    }

    [Fact]
    public void Apply_to_entra_get_user_response_keeps_its_shape()
    {
        // entra-requests.md §2.4 as printed, trailing comma after name.givenName included (parsed leniently)
        var user = JsonNode.Parse("""
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "5d48a0a8e9f04aa38008",
                "externalId": "58342554-38d6-4ec8-948c-50044d0a33fd",
                "meta": {
                    "resourceType": "User",
                    "created": "2018-03-27T19:59:26.000Z",
                    "lastModified": "2018-03-27T19:59:26.000Z"
                },
                "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                "name": {
                    "formatted": "givenName familyName",
                    "familyName": "familyName",
                    "givenName": "givenName",
                },
                "active": true,
                "emails": [{
                    "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com",
                    "type": "work",
                    "primary": true
                }]
            }
            """, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true })!.AsObject();
        Assert.True(JsonNode.DeepEquals(user, Project(null, null, user)));
        Assert.True(JsonNode.DeepEquals(user, ScimPatch.Apply(user, Array.Empty<ScimPatchOperation>(), ScimSchemas.User).Resource));
    }

    [Fact]
    public void Apply_excluded_members_to_entra_group_query_result_matches_printed_response()
    {
        // entra-requests.md §3.3 as printed (trailing commas parsed leniently), members added to the stored group
        var lenient = new JsonDocumentOptions { AllowTrailingCommas = true };
        var printed = JsonNode.Parse("""
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": "8c601452cc934a9ebef9",
                "externalId": "0db508eb-91e2-46e4-809c-30dcbda0c685",
                "meta": {
                    "resourceType": "Group",
                    "created": "2018-03-27T22:02:32.000Z",
                    "lastModified": "2018-03-27T22:02:32.000Z",

                },
                "displayName": "displayName",
            }
            """, documentOptions: lenient)!.AsObject();
        var stored = printed.DeepClone().AsObject();
        stored["members"] = JsonNode.Parse("""[{"value":"f648f8d5ea4e4cd38e9c"}]""");
        Assert.True(ScimFilterEvaluator.Matches(stored, ScimFilter.Parse("displayName eq \"displayName\""), ScimSchemas.Group));
        Assert.True(JsonNode.DeepEquals(printed, Project(null, "members", stored, ScimSchemas.Group)));
    }

    [Fact]
    public void IsReturned_tells_whether_to_load_members()
    {
        Assert.False(ScimAttributeSelection.Parse(null, "members").IsReturned("members", ScimSchemas.Group));
        Assert.False(ScimAttributeSelection.Parse("displayName", null).IsReturned("members", ScimSchemas.Group));
        Assert.True(ScimAttributeSelection.Parse("members.value", null).IsReturned("members", ScimSchemas.Group));
        Assert.True(ScimAttributeSelection.Default.IsReturned("members", ScimSchemas.Group));
        Assert.True(ScimAttributeSelection.Parse(null, "members").IsReturned("id", ScimSchemas.Group));
    }

    [Fact]
    public void Apply_attributes_id_returns_only_id_and_schemas()
    {
        // entra-requests.md §2.9: attributes=id
        TestJson.Equal($$"""{"schemas":["{{ScimConstants.UserSchema}}","{{Enterprise}}","urn:ietf:params:scim:schemas:extension:Acme:2.0:User"],"id":"u-1"}""", Project("id", null));
    }

    [Fact]
    public void Apply_attributes_with_sub_attributes_returns_only_those()
    {
        var projected = Project("userName, name.givenName,emails.value", null);
        Assert.Equal(["emails", "id", "name", "schemas", "userName"], projected.Select(p => p.Key).Order(StringComparer.Ordinal));
        TestJson.Equal("""{"givenName":"Barbara"}""", projected["name"]);
        TestJson.Equal("""[{"value":"b@x"}]""", projected["emails"]);
    }

    [Fact]
    public void Apply_attributes_with_urn_qualified_names_selects_extension_attributes()
    {
        var projected = Project($"{Enterprise}:employeeNumber,{Enterprise}:manager.value", null);
        TestJson.Equal("""{"employeeNumber":"1","manager":{"value":"m"}}""", projected[Enterprise]);
        Assert.False(projected.ContainsKey("userName"));
    }

    [Fact]
    public void Apply_attributes_with_extension_urn_selects_whole_extension()
    {
        var projected = Project(Enterprise, null);
        TestJson.Equal("""{"employeeNumber":"1","department":"Ops","manager":{"value":"m"}}""", projected[Enterprise]);
        Assert.False(projected.ContainsKey("urn:ietf:params:scim:schemas:extension:Acme:2.0:User"));
    }

    [Fact]
    public void Apply_excluded_extension_urn_and_sub_attribute_removes_them()
    {
        var projected = Project(null, $"{Enterprise}, name.givenName, urn:ietf:params:scim:schemas:extension:Acme:2.0:User:badge");
        Assert.False(projected.ContainsKey(Enterprise));
        Assert.False(projected.ContainsKey("urn:ietf:params:scim:schemas:extension:Acme:2.0:User"));
        TestJson.Equal("""{"familyName":"Jensen"}""", projected["name"]);
    }

    [Fact]
    public void Apply_never_removes_id_or_schemas_and_never_returns_password()
    {
        var projected = Project("password,userName", "id,schemas");
        Assert.Equal("u-1", projected["id"]!.GetValue<string>());
        Assert.True(projected.ContainsKey("schemas"));
        Assert.False(projected.ContainsKey("password"));
    }

    [Fact]
    public void Apply_attributes_omits_meta_unless_requested()
    {
        Assert.False(Project("userName", null).ContainsKey("meta"));
        TestJson.Equal("""{"location":"/Users/u-1"}""", Project("meta.location", null)["meta"]);
    }

    [Fact]
    public void Apply_names_match_case_insensitively()
    {
        var projected = Project("USERNAME,Name.GivenName,manager", null);
        Assert.Equal("bjensen", projected["userName"]!.GetValue<string>());
        TestJson.Equal("""{"givenName":"Barbara"}""", projected["name"]);
        TestJson.Equal("""{"manager":{"value":"m"}}""", projected[Enterprise]);
    }

    [Fact]
    public void Apply_unknown_attribute_name_selects_nothing()
    {
        TestJson.Equal($$"""{"schemas":["{{ScimConstants.UserSchema}}","{{Enterprise}}","urn:ietf:params:scim:schemas:extension:Acme:2.0:User"],"id":"u-1"}""", Project("doesNotExist", null));
    }

    [Fact]
    public void Apply_does_not_modify_the_resource()
    {
        var user = User();
        var before = user.DeepClone();
        Project("name.givenName", "emails", user);
        Assert.True(JsonNode.DeepEquals(before, user));
    }

    [Fact]
    public void Parse_attribute_with_a_value_filter_selects_the_whole_attribute()
    {
        var user = User();
        var projected = ScimAttributeSelection.Parse("emails[type eq \"work\"]", null).Apply(user, ScimSchemas.User);

        Assert.True(JsonNode.DeepEquals(user["emails"], projected["emails"]));
        Assert.Null(projected["name"]);
    }

    [Theory]
    [InlineData("user name", null)]
    [InlineData(null, "name..x")]
    [InlineData(null, "\"quoted\"")]
    public void Parse_malformed_attribute_list_throws_400_invalidSyntax(string? attributes, string? excluded)
    {
        TestJson.Error(ScimErrorType.InvalidSyntax, () => ScimAttributeSelection.Parse(attributes, excluded));
    }

    [Fact]
    public void Parse_empty_values_give_default_selection()
    {
        Assert.Same(ScimAttributeSelection.Default, ScimAttributeSelection.Parse("", " , "));
    }
}
