namespace Bifrost.Scim.UnitTests;

public sealed class ScimResourceTests
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    private static JsonObject User(string json) => ScimResource.Normalize(TestJson.Parse(json), ScimSchemas.User);

    private static string Urns(string json) =>
        json.Replace("CORE", ScimConstants.UserSchema, StringComparison.Ordinal).Replace("ENT", Enterprise, StringComparison.Ordinal);

    [Fact]
    public void Normalize_entra_create_user_keeps_values_as_sent_and_drops_meta()
    {
        // entra-requests.md §2.1
        var user = User("""
            {
                "schemas": [
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                "active": true,
                "emails": [{
                    "primary": true,
                    "type": "work",
                    "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
                }],
                "meta": {
                    "resourceType": "User"
                },
                "name": {
                    "formatted": "givenName familyName",
                    "familyName": "familyName",
                    "givenName": "givenName"
                },
                "roles": []
            }
            """);
        TestJson.Equal("""
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                "active": true,
                "emails": [{
                    "primary": true,
                    "type": "work",
                    "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
                }],
                "name": {
                    "formatted": "givenName familyName",
                    "familyName": "familyName",
                    "givenName": "givenName"
                }
            }
            """, user);
        Assert.Equal("schemas", user.First().Key);
    }

    [Fact]
    public void Normalize_entra_older_payload_with_nulls_and_malformed_urn_is_accepted()
    {
        // entra-requests.md §2.2 (S1 Example 2)
        var user = User("""
            {
               "schemas":
               [
                 "urn:ietf:params:scim:schemas:core:2.0:User",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
               "externalId":"jyoung",
               "userName":"jyoung@testuser.com",
               "active":true,
               "addresses":null,
               "displayName":"Joy Young",
               "emails": [
                 {
                   "type":"work",
                   "value":"jyoung@Contoso.com",
                   "primary":true}],
               "meta": {
                 "resourceType":"User"},
                "name":{
                 "familyName":"Young",
                 "givenName":"Joy"},
               "phoneNumbers":null,
               "preferredLanguage":null,
               "title":null,
               "department":null,
               "manager":null}
            """);
        TestJson.Equal("""
            {
               "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
               "externalId":"jyoung",
               "userName":"jyoung@testuser.com",
               "active":true,
               "displayName":"Joy Young",
               "emails": [{ "type":"work", "value":"jyoung@Contoso.com", "primary":true }],
               "name":{ "familyName":"Young", "givenName":"Joy" }
            }
            """, user);
    }

    [Fact]
    public void Normalize_roles_from_single_app_role_assignment_keeps_role()
    {
        // entra-requests.md §2.15, POST format
        var user = User("""
            {
              "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User"
              ],
              "externalId": "alias",
              "userName": "alias@contoso.OnMicrosoft.com",
              "active": true,
              "displayName": "First Name Last Name",
              "meta": {
                "resourceType": "User"
              },
              "roles": [
                {
                  "primary": true,
                  "type": "WindowsAzureActiveDirectoryRole",
                  "value": "Admin"
                }
              ]
            }
            """);
        TestJson.Equal("""[{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]""", user["roles"]);
        Assert.True(ScimFilterEvaluator.Matches(user, ScimFilter.Parse("roles[primary eq \"True\"].value eq \"Admin\""), ScimSchemas.User));
    }

    [Fact]
    public void Normalize_entra_create_group_ignores_microsoft_schema_uri()
    {
        // entra-requests.md §3.1
        var group = ScimResource.Normalize(TestJson.Parse("""
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "displayName",
                "meta": {
                    "resourceType": "Group"
                }
            }
            """), ScimSchemas.Group);
        TestJson.Equal("""
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "displayName"
            }
            """, group);
    }

    [Fact]
    public void Normalize_group_with_members_keeps_canonical_members_and_detach_returns_ids()
    {
        var group = ScimResource.Normalize(TestJson.Parse("""
            {"displayName":"Ops","Members":[{"$ref":null,"VALUE":"a"},{"value":"b","display":"B","type":"User"},{"value":"a"}]}
            """), ScimSchemas.Group);
        TestJson.Equal("""[{"value":"a"},{"value":"b","display":"B","type":"User"},{"value":"a"}]""", group["members"]);
        Assert.Equal(["a", "b"], ScimResource.DetachMembers(group));
        Assert.False(group.ContainsKey("members"));
        Assert.Empty(ScimResource.DetachMembers(group));
    }

    [Theory]
    [InlineData("""{"displayName":"x"}""")]
    [InlineData("""{"userName":""}""")]
    [InlineData("""{"userName":null}""")]
    [InlineData("""{"urn:ietf:params:scim:schemas:core:2.0:User:userName":""}""")]
    public void Normalize_user_without_userName_throws_400_invalidValue(string json)
    {
        var exception = TestJson.Error(ScimErrorType.InvalidValue, () => User(json));
        Assert.Contains("userName", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_group_without_displayName_throws_400_invalidValue()
    {
        TestJson.Error(ScimErrorType.InvalidValue, () => ScimResource.Normalize(TestJson.Parse("""{"externalId":"x","members":[]}"""), ScimSchemas.Group));
    }

    [Fact]
    public void Normalize_coerces_boolean_strings_for_boolean_attributes()
    {
        var user = User("""{"userName":"u","active":"False","emails":[{"value":"a@x","primary":"TRUE"}],"roles":[{"value":"r","primary":" false "}]}""");
        Assert.Equal(JsonValueKind.False, user["active"]!.GetValueKind());
        Assert.Equal(JsonValueKind.True, user["emails"]![0]!["primary"]!.GetValueKind());
        Assert.Equal(JsonValueKind.False, user["roles"]![0]!["primary"]!.GetValueKind());
    }

    [Fact]
    public void Normalize_drops_read_only_and_write_only_attributes()
    {
        var user = User("""{"id":"client-chosen","userName":"u","meta":{"version":"1"},"groups":[{"value":"g"}],"password":"secret","manager":{"value":"m","displayName":"Boss"}}""");
        TestJson.Equal(Urns("""{"schemas":["CORE","ENT"],"userName":"u","ENT":{"manager":{"value":"m"}}}"""), user);
    }

    [Fact]
    public void Normalize_matches_names_case_insensitively_and_writes_schema_casing()
    {
        var user = User("""{"USERNAME":"u","Name":{"GIVENNAME":"g"},"Emails":[{"Value":"a@x","TYPE":"work"}],"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Department":"d"}}""");
        TestJson.Equal(Urns("""
            {"schemas":["CORE","ENT"],"userName":"u","name":{"givenName":"g"},"emails":[{"value":"a@x","type":"work"}],"ENT":{"department":"d"}}
            """), user);
    }

    [Fact]
    public void Normalize_moves_urn_qualified_keys_into_their_extension()
    {
        var user = User($$"""
            {"userName":"u","{{Enterprise}}:employeeNumber":"42","{{Enterprise}}:manager":"m-1","urn:ietf:params:scim:schemas:extension:Custom:2.0:User:badge":"b7","department":"Sales"}
            """);
        TestJson.Equal("""{"employeeNumber":"42","manager":{"value":"m-1"},"department":"Sales"}""", user[Enterprise]);
        TestJson.Equal("""{"badge":"b7"}""", user["urn:ietf:params:scim:schemas:extension:Custom:2.0:User"]);
        TestJson.Equal($$"""["{{ScimConstants.UserSchema}}","{{Enterprise}}","urn:ietf:params:scim:schemas:extension:Custom:2.0:User"]""", user["schemas"]);
    }

    [Fact]
    public void Normalize_keeps_custom_extension_object_and_unknown_attributes_as_sent()
    {
        var user = User("""{"userName":"u","urn:ietf:params:scim:schemas:extension:Acme:2.0:User":{"costCentre":"C1","Nested":{"x":[1,2]}},"favoriteColor":"green"}""");
        TestJson.Equal("""{"costCentre":"C1","Nested":{"x":[1,2]}}""", user["urn:ietf:params:scim:schemas:extension:Acme:2.0:User"]);
        Assert.Equal("green", user["favoriteColor"]!.GetValue<string>());
    }

    [Fact]
    public void Normalize_accepts_duplicate_type_in_multi_valued_attribute()
    {
        var user = User("""{"userName":"u","emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"work"}]}""");
        Assert.Equal(2, user["emails"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("""{"userName":"u","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":"True"}]}""")]
    [InlineData("""{"userName":"u","active":"yes"}""")]
    [InlineData("""{"userName":{"a":"b","c":"d"}}""")]
    [InlineData("""{"userName":"u","name":"Barbara"}""")]
    [InlineData("""{"userName":"u","emails":[{"value":[1,2]}]}""")]
    [InlineData("""{"userName":"u","emails":[{"primary":"sometimes"}]}""")]
    public void Normalize_invalid_value_throws_400_invalidValue(string json)
    {
        TestJson.Error(ScimErrorType.InvalidValue, () => User(json));
    }

    [Fact]
    public void Normalize_does_not_modify_the_body_and_is_idempotent()
    {
        var body = TestJson.Parse("""{"userName":"u","ACTIVE":"True","emails":[{"value":"a@x"}],"manager":"m","roles":[{"value":"{\"value\":\"25\",\"displayName\":\"R\"}"}]}""");
        var before = body.DeepClone();
        var once = ScimResource.Normalize(body, ScimSchemas.User);
        Assert.True(JsonNode.DeepEquals(before, body));
        Assert.True(JsonNode.DeepEquals(once, ScimResource.Normalize(once, ScimSchemas.User)));
    }

    [Fact]
    public void Normalize_then_empty_patch_reports_no_change()
    {
        var user = User("""{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m"}}""");
        Assert.False(ScimPatch.Apply(user, Array.Empty<ScimPatchOperation>(), ScimSchemas.User).HasChanges);
    }

    [Theory]
    [InlineData("""[{"value":"home@x","type":"home"},{"value":"work@x","type":"Work"}]""", "work@x")]
    [InlineData("""[{"value":"home@x","type":"home"},{"value":"p@x","type":"other","primary":true}]""", "p@x")]
    [InlineData("""[{"value":"first@x","type":"home"},{"value":"second@x"}]""", "first@x")]
    [InlineData("""[{"type":"work"},{"value":"v@x","type":"home"}]""", "v@x")]
    [InlineData("""[]""", null)]
    public void GetWorkEmail_prefers_work_then_primary_then_first(string emails, string? expected)
    {
        var user = TestJson.Parse($$"""{"userName":"u","emails":{{emails}}}""");
        Assert.Equal(expected, ScimResource.GetWorkEmail(user));
    }

    [Fact]
    public void GetWorkEmail_of_user_without_emails_returns_null()
    {
        Assert.Null(ScimResource.GetWorkEmail(TestJson.Parse("""{"userName":"u"}""")));
    }

    [Theory]
    [InlineData("userName", "bjensen")]
    [InlineData("USERNAME", "bjensen")]
    [InlineData("name.familyName", "Jensen")]
    [InlineData("active", "true")]
    [InlineData("emails[type eq \"home\"].value", "babs@jensen.org")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "701984")]
    [InlineData("manager", "m-1")]
    [InlineData("nickName", null)]
    public void GetString_returns_first_value_of_path(string path, string? expected)
    {
        var user = User("""
            {"userName":"bjensen","active":true,"name":{"familyName":"Jensen"},"emails":[{"value":"b@x","type":"work"},{"value":"babs@jensen.org","type":"home"}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","manager":"m-1"}}
            """);
        Assert.Equal(expected, ScimResource.GetString(user, ScimSchemas.User, path));
    }
}
