namespace Bifrost.Scim.UnitTests;

/// <summary>Every PATCH body of entra-requests.md, sent as printed.</summary>
public sealed class ScimPatchEntraTests
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// <summary>The user of entra-requests.md §2.4, with a home e-mail and a manager added.</summary>
    private static JsonObject User() => ScimResource.Normalize(TestJson.Parse("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
          "externalId": "58342554-38d6-4ec8-948c-50044d0a33fd",
          "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
          "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
          "nickName": "Barbara",
          "active": true,
          "emails": [
            { "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com", "type": "work", "primary": true },
            { "value": "home@example.com", "type": "home" }
          ],
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": { "value": "old-manager" } }
        }
        """), ScimSchemas.User);

    private static ScimPatchResult Patch(JsonObject resource, string body) => ScimPatch.Apply(resource, TestJson.Parse(body), ScimSchemas.User);

    [Fact]
    public void Patch_update_multi_valued_properties_replaces_work_email_and_family_name()
    {
        // §2.10
        var result = Patch(User(), """
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                        {
                        "op": "Replace",
                        "path": "emails[type eq \"work\"].value",
                        "value": "updatedEmail@microsoft.com"
                        },
                        {
                        "op": "Replace",
                        "path": "name.familyName",
                        "value": "updatedFamilyName"
                        }
                ]
            }
            """);
        Assert.True(result.ResourceChanged);
        TestJson.Equal("""
            [
              { "value": "updatedEmail@microsoft.com", "type": "work", "primary": true },
              { "value": "home@example.com", "type": "home" }
            ]
            """, result.Resource["emails"]);
        TestJson.Equal("""{ "formatted": "givenName familyName", "familyName": "updatedFamilyName", "givenName": "givenName" }""", result.Resource["name"]);
    }

    [Fact]
    public void Patch_work_email_when_user_has_none_creates_it_and_keeps_other_emails()
    {
        var user = User();
        user["emails"] = JsonNode.Parse("""[{ "value": "home@example.com", "type": "home" }]""");
        var result = Patch(user, """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"}]}""");
        TestJson.Equal("""
            [
              { "value": "home@example.com", "type": "home" },
              { "type": "work", "value": "updatedEmail@microsoft.com" }
            ]
            """, result.Resource["emails"]);
    }

    [Fact]
    public void Patch_update_single_valued_property_replaces_userName()
    {
        // §2.11
        var result = Patch(User(), """
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Replace",
                    "path": "userName",
                    "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
                }]
            }
            """);
        Assert.Equal("5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com", result.Resource["userName"]!.GetValue<string>());
    }

    [Fact]
    public void Patch_disable_user_with_json_boolean_sets_active_false()
    {
        // §2.12 (S1): Operations before schemas, JSON false
        var result = Patch(User(), """
            {
                "Operations": [
                    {
                        "op": "Replace",
                        "path": "active",
                        "value": false
                    }
                ],
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ]
            }
            """);
        Assert.False(result.Resource["active"]!.GetValue<bool>());
        Assert.True(result.ResourceChanged);
    }

    [Theory]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"active","value":"false"}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":"FALSE"}}]}""")]
    public void Patch_disable_user_without_and_with_flag_stores_boolean_false(string body)
    {
        // §5.1: "False" string without the aadOptscim062020 flag, JSON false with it
        var result = Patch(User(), body);
        Assert.Equal(JsonValueKind.False, result.Resource["active"]!.GetValueKind());
    }

    [Fact]
    public void Patch_periodic_active_true_on_active_user_reports_no_change()
    {
        var result = Patch(User(), """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}""");
        Assert.False(result.ResourceChanged);
        Assert.False(result.HasChanges);
    }

    [Theory]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"nickName","value":"Babs"}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"nickName","value":"Babs"}]}""")]
    public void Patch_add_single_value_string_replaces_existing_value(string body)
    {
        // §5.2 and quirk 3: add on a single-valued attribute is a replace
        var result = Patch(User(), body);
        Assert.Equal("Babs", result.Resource["nickName"]!.GetValue<string>());
    }

    [Fact]
    public void Patch_replace_several_attributes_without_flag_sets_each()
    {
        // §5.3 without the flag
        var result = Patch(User(), """
            {
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                    { "op": "Replace", "path": "displayName", "value": "Pvlo" },
                    { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com" },
                    { "op": "Replace", "path": "name.givenName", "value": "Gtfd" },
                    { "op": "Replace", "path": "name.familyName", "value": "Pkqf" },
                    { "op": "Replace", "path": "externalId", "value": "Eqpj" },
                    { "op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj" }
                ]
            }
            """);
        AssertReplacedSeveral(result.Resource, "Pvlo", "TestBcwqnm@test.microsoft.com", "Gtfd", "Pkqf", "Eqpj");
        Assert.Equal("Eqpj", result.Resource["externalId"]!.GetValue<string>());
    }

    [Fact]
    public void Patch_replace_several_attributes_with_flag_reads_dotted_and_urn_keys()
    {
        // §5.3 with the flag: path-less replace whose keys are dotted and URN-qualified
        var original = User();
        var result = Patch(original, """
            {
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                    {
                        "op": "replace",
                        "path": "emails[type eq \"work\"].value",
                        "value": "TestMhvaes@test.microsoft.com"
                    },
                    {
                        "op": "replace",
                        "value": {
                            "displayName": "Bjfe",
                            "name.givenName": "Kkom",
                            "name.familyName": "Unua",
                            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
                        }
                    }
                ]
            }
            """);
        AssertReplacedSeveral(result.Resource, "Bjfe", "TestMhvaes@test.microsoft.com", "Kkom", "Unua", "Aklq");
        // no other attribute changes
        foreach (var key in new[] { "userName", "externalId", "active", "nickName" })
        {
            Assert.True(JsonNode.DeepEquals(original[key], result.Resource[key]), key);
        }
        Assert.Equal("givenName familyName", result.Resource["name"]!["formatted"]!.GetValue<string>());
        Assert.Equal("old-manager", result.Resource[Enterprise]!["manager"]!["value"]!.GetValue<string>());
    }

    private static void AssertReplacedSeveral(JsonObject user, string displayName, string workEmail, string givenName, string familyName, string employeeNumber)
    {
        Assert.Equal(displayName, user["displayName"]!.GetValue<string>());
        Assert.Equal(workEmail, ScimResource.GetWorkEmail(user));
        Assert.Equal("home@example.com", user["emails"]![1]!["value"]!.GetValue<string>());
        Assert.Equal(givenName, user["name"]!["givenName"]!.GetValue<string>());
        Assert.Equal(familyName, user["name"]!["familyName"]!.GetValue<string>());
        Assert.Equal(employeeNumber, user[Enterprise]!["employeeNumber"]!.GetValue<string>());
        Assert.Contains(Enterprise, user["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public void Patch_manager_with_older_array_form_stores_complex_manager()
    {
        // §2.14, S1 Example 5: path "manager", value an array with $ref and value
        var result = Patch(User(), """
            {
                "schemas":
                [
                  "urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations":
                [
                  {
                    "op":"Add",
                    "path":"manager",
                    "value":
                      [
                        {
                          "$ref":"http://.../scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
                          "value":"00aa00aa-bb11-cc22-dd33-44ee44ee44ee"}]}]}
            """);
        TestJson.Equal("""{"$ref":"http://.../scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee","value":"00aa00aa-bb11-cc22-dd33-44ee44ee44ee"}""", result.Resource[Enterprise]!["manager"]);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("add")]
    [InlineData("replace")]
    public void Patch_manager_as_plain_string_stores_value_object_under_enterprise_extension(string op)
    {
        // §2.14: validator set/change bodies and the production Entra body (SCIM-SDK#686)
        var result = Patch(User(), $$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"{{op}}","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"}]}
            """);
        TestJson.Equal("""{"value":"2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"}""", result.Resource[Enterprise]!["manager"]);
        Assert.Equal("2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2", ScimResource.GetString(result.Resource, ScimSchemas.User, "manager"));
    }

    [Fact]
    public void Patch_manager_replace_with_empty_string_clears_manager_and_empty_extension()
    {
        // §2.14: validator remove body
        var result = Patch(User(), """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":""}]}""");
        Assert.Null(result.Resource[Enterprise]);
        TestJson.Equal($"""["{ScimConstants.UserSchema}"]""", result.Resource["schemas"]);
    }

    [Fact]
    public void Patch_manager_add_after_older_form_replaces_stale_reference()
    {
        var withRef = Patch(User(), """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://x/Users/a","value":"a"}]}]}""").Resource;
        var result = Patch(withRef, """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"b"}]}""");
        TestJson.Equal("""{"value":"b"}""", result.Resource[Enterprise]!["manager"]);
    }

    [Fact]
    public void Patch_roles_with_stringified_json_value_stores_decoded_role()
    {
        // §2.15: SingleAppRoleAssignment PATCH format
        var result = Patch(User(), """
            {
              "schemas": [
                "urn:ietf:params:scim:api:messages:2.0:PatchOp"
              ],
              "Operations": [
                {
                  "op": "Add",
                  "path": "roles",
                  "value": [
                    {
                      "value": "{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"
                    }
                  ]
                }
              ]
            }
            """);
        TestJson.Equal("""[{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"25","display":"Role1234"}]""", result.Resource["roles"]);
    }

    [Fact]
    public void Patch_roles_assertive_replace_with_full_objects_replaces_roles()
    {
        var user = User();
        user["roles"] = JsonNode.Parse("""[{"value":"Old","primary":true}]""");
        var result = Patch(user, """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"roles","value":[
              {"primary":"True","type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"},
              {"primary":"False","type":"WindowsAzureActiveDirectoryRole","display":"Reader","value":"Reader"}]}]}
            """);
        TestJson.Equal("""
            [{"primary":true,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"},
             {"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Reader","value":"Reader"}]
            """, result.Resource["roles"]);
    }

    [Theory]
    [InlineData("work")]
    [InlineData("mobile")]
    [InlineData("fax")]
    public void Patch_phone_number_by_type_creates_missing_element(string type)
    {
        // §2.16
        var result = Patch(User(), $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"phoneNumbers[type eq \"{{type}}\"].value","value":"+1 555 0100"}]}""");
        TestJson.Equal($$"""[{"type":"{{type}}","value":"+1 555 0100"}]""", result.Resource["phoneNumbers"]);
    }

    [Fact]
    public void Patch_phone_numbers_of_three_types_keeps_them_side_by_side()
    {
        var result = Patch(User(), """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Add","path":"phoneNumbers[type eq \"work\"].value","value":"55555555555"},
              {"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"2"},
              {"op":"Replace","path":"phoneNumbers[type eq \"fax\"].value","value":"3"},
              {"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"4"}]}
            """);
        TestJson.Equal("""[{"type":"work","value":"4"},{"type":"mobile","value":"2"},{"type":"fax","value":"3"}]""", result.Resource["phoneNumbers"]);
    }
}
