namespace Bifrost.Scim.UnitTests;

/// <summary>PATCH semantics beyond the literal Entra bodies: RFC 7644 §3.5.2 and the quirks of entra-scim.md §3.</summary>
public sealed class ScimPatchTests
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    private const string Custom = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";

    private static JsonObject User() => ScimResource.Normalize(TestJson.Parse("""
        {
          "userName": "bjensen",
          "externalId": "bjensen-ext",
          "displayName": "Babs Jensen",
          "title": "Tour Guide",
          "name": { "familyName": "Jensen", "givenName": "Barbara" },
          "active": true,
          "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
          ],
          "addresses": [{ "type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "country": "US" }],
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "701984", "department": "Tour Operations" }
        }
        """), ScimSchemas.User) is var user ? WithId(user) : null!;

    private static JsonObject WithId(JsonObject user)
    {
        user["id"] = "2819c223-7f76-453a-919d-413861904646";
        user["meta"] = JsonNode.Parse("""{"resourceType":"User","version":"W/\"3694e05e9dff591\""}""");
        return user;
    }

    private static ScimPatchResult Patch(JsonObject resource, params string[] operations) =>
        ScimPatch.Apply(resource, TestJson.Parse($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{string.Join(",", operations)}}]}"""), ScimSchemas.User);

    private static JsonObject Patched(params string[] operations) => Patch(User(), operations).Resource;

    [Theory]
    [InlineData("Add")]
    [InlineData("ADD")]
    [InlineData("aDd")]
    [InlineData("Replace")]
    [InlineData("REPLACE")]
    public void Parse_op_in_any_case_is_accepted(string op)
    {
        var operations = ScimPatch.Parse(TestJson.Parse($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"{{op}}","path":"title","value":"x"}]}"""));
        Assert.Equal(Enum.Parse<ScimPatchOperationType>(op, ignoreCase: true), Assert.Single(operations).Op);
    }

    [Fact]
    public void Parse_keys_in_any_case_are_accepted()
    {
        var operations = ScimPatch.Parse(TestJson.Parse("""{"Schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"OP":"Remove","Path":"title"}]}"""));
        Assert.Equal(new ScimPatchOperation(ScimPatchOperationType.Remove, new ScimAttributePath(null, "title"), null), Assert.Single(operations));
    }

    [Fact]
    public void Apply_empty_operations_is_a_no_op()
    {
        // quirk 20: the SCIM Validator sends an empty Operations array
        var user = User();
        var result = ScimPatch.Apply(user, TestJson.Parse("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}"""), ScimSchemas.User);
        Assert.False(result.HasChanges);
        Assert.True(JsonNode.DeepEquals(user, result.Resource));
    }

    [Fact]
    public void Apply_never_modifies_the_input_resource()
    {
        var user = User();
        var before = user.DeepClone();
        Patch(user, """{"op":"replace","path":"emails[type eq \"work\"].value","value":"x@y"}""", """{"op":"remove","path":"name"}""", """{"op":"add","path":"roles","value":[{"value":"r"}]}""");
        Assert.True(JsonNode.DeepEquals(before, user));
    }

    [Fact]
    public void Apply_same_operations_twice_gives_equal_results()
    {
        var user = User();
        var operations = ScimPatch.Parse(TestJson.Parse("""{"Operations":[{"op":"add","path":"emails","value":[{"value":"n@x","type":"other"}]},{"op":"replace","value":{"nickName":"B"}}]}"""));
        Assert.True(JsonNode.DeepEquals(ScimPatch.Apply(user, operations, ScimSchemas.User).Resource, ScimPatch.Apply(user, operations, ScimSchemas.User).Resource));
    }

    [Fact]
    public void Add_to_multi_valued_attribute_appends_and_skips_duplicates()
    {
        var user = Patched("""{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home"},{"value":"other@x.org","type":"other"}]}""");
        Assert.Equal(["bjensen@example.com", "babs@jensen.org", "other@x.org"], user["emails"]!.AsArray().Select(e => e!["value"]!.GetValue<string>()));
    }

    [Fact]
    public void Add_single_object_to_multi_valued_attribute_appends_it()
    {
        var user = Patched("""{"op":"add","path":"emails","value":{"value":"other@x.org","type":"other"}}""");
        Assert.Equal(3, user["emails"]!.AsArray().Count);
    }

    [Fact]
    public void Add_new_primary_value_clears_primary_on_the_others()
    {
        var user = Patched("""{"op":"add","path":"emails","value":[{"value":"new@x.org","type":"other","primary":"True"}]}""");
        Assert.Equal([false, false, true], user["emails"]!.AsArray().Select(e => e!["primary"]?.GetValue<bool>() ?? false));
    }

    [Fact]
    public void Replace_primary_through_value_filter_clears_primary_on_the_others()
    {
        var user = Patched("""{"op":"replace","path":"emails[type eq \"home\"].primary","value":"true"}""");
        Assert.Equal([false, true], user["emails"]!.AsArray().Select(e => e!["primary"]!.GetValue<bool>()));
    }

    [Fact]
    public void Replace_multi_valued_attribute_with_two_primaries_throws_400_invalidValue()
    {
        TestJson.Error(ScimErrorType.InvalidValue, () => Patched("""{"op":"replace","path":"emails","value":[{"value":"a@x","primary":true},{"value":"b@x","primary":"True"}]}"""));
    }

    [Fact]
    public void Replace_multi_valued_attribute_replaces_all_values()
    {
        var user = Patched("""{"op":"replace","path":"emails","value":[{"value":"only@x.org","type":"work"}]}""");
        TestJson.Equal("""[{"value":"only@x.org","type":"work"}]""", user["emails"]);
    }

    [Fact]
    public void Replace_element_selected_by_filter_replaces_it_and_keeps_the_filter_type()
    {
        var user = Patched("""{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"new@home.org"}}""");
        TestJson.Equal("""[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"new@home.org","type":"home"}]""", user["emails"]);
    }

    [Fact]
    public void Add_element_selected_by_filter_merges_into_it()
    {
        var user = Patched("""{"op":"add","path":"emails[type eq \"home\"]","value":{"display":"Home"}}""");
        TestJson.Equal("""{"value":"babs@jensen.org","type":"home","display":"Home"}""", user["emails"]![1]);
    }

    [Theory]
    [InlineData("formatted", "Formatted")]
    [InlineData("streetAddress", "streetAddress")]
    [InlineData("locality", "LOCALITY")]
    [InlineData("region", "region")]
    [InlineData("postalCode", "postalCode")]
    [InlineData("country", "country")]
    public void Replace_work_address_component_updates_only_that_component(string canonical, string sent)
    {
        // quirk 6: addresses[type eq "work"].<component>, any casing
        var user = Patched($$"""{"op":"Replace","path":"addresses[type eq \"work\"].{{sent}}","value":"X"}""");
        var address = user["addresses"]!.AsArray().Single()!.AsObject();
        Assert.Equal("X", address[canonical]!.GetValue<string>());
        Assert.Equal("work", address["type"]!.GetValue<string>());
        Assert.Equal(canonical == "streetAddress" ? "X" : "100 Universal City Plaza", address["streetAddress"]!.GetValue<string>());
    }

    [Fact]
    public void Add_other_address_and_other_email_with_capitalised_sub_attribute_create_elements()
    {
        // S1 mapping table: addresses[type eq "other"].Formatted and emails[type eq "other"].Value
        var user = Patched(
            """{"op":"Add","path":"addresses[type eq \"other\"].Formatted","value":"Building 4"}""",
            """{"op":"Add","path":"emails[type eq \"other\"].Value","value":"proxy@contoso.com"}""");
        TestJson.Equal("""{"type":"other","formatted":"Building 4"}""", user["addresses"]![1]);
        TestJson.Equal("""{"type":"other","value":"proxy@contoso.com"}""", user["emails"]![2]);
    }

    [Fact]
    public void Replace_role_through_string_boolean_filter_creates_primary_role()
    {
        // quirk 2: roles[primary eq "True"]
        var user = Patched(
            """{"op":"Add","path":"roles[primary eq \"True\"].value","value":"Admin"}""",
            """{"op":"Replace","path":"roles[primary eq \"True\"].display","value":"Administrator"}""");
        TestJson.Equal("""[{"primary":true,"value":"Admin","display":"Administrator"}]""", user["roles"]);
    }

    [Fact]
    public void Replace_value_filter_that_cannot_create_an_element_throws_400_noTarget()
    {
        TestJson.Error(ScimErrorType.NoTarget, () => Patched("""{"op":"replace","path":"emails[type eq \"fax\" or type eq \"pager\"].value","value":"x"}"""));
    }

    [Fact]
    public void Remove_element_by_filter_keeps_the_others()
    {
        var user = Patched("""{"op":"remove","path":"emails[type eq \"work\"]"}""");
        TestJson.Equal("""[{"value":"babs@jensen.org","type":"home"}]""", user["emails"]);
    }

    [Fact]
    public void Remove_value_of_filtered_element_drops_the_emptied_element()
    {
        var user = Patched("""{"op":"remove","path":"emails[type eq \"home\"].value"}""");
        TestJson.Equal("""[{"value":"bjensen@example.com","type":"work","primary":true}]""", user["emails"]);
    }

    [Fact]
    public void Remove_component_of_filtered_element_keeps_the_element()
    {
        var user = Patched("""{"op":"remove","path":"addresses[type eq \"work\"].locality"}""");
        TestJson.Equal("""[{"type":"work","streetAddress":"100 Universal City Plaza","country":"US"}]""", user["addresses"]);
    }

    [Fact]
    public void Remove_filter_matching_nothing_is_a_no_op()
    {
        var result = Patch(User(), """{"op":"remove","path":"emails[type eq \"fax\"]"}""", """{"op":"remove","path":"nickName"}""", """{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}""");
        Assert.False(result.ResourceChanged);
    }

    [Fact]
    public void Remove_multi_valued_attribute_with_value_removes_only_listed_values()
    {
        var user = Patched("""{"op":"remove","path":"emails","value":[{"value":"babs@jensen.org","type":"home"}]}""");
        Assert.Equal("bjensen@example.com", user["emails"]!.AsArray().Single()!["value"]!.GetValue<string>());
    }

    [Fact]
    public void Remove_last_element_removes_the_attribute()
    {
        var user = Patched("""{"op":"remove","path":"addresses[type eq \"work\"]"}""");
        Assert.False(user.ContainsKey("addresses"));
    }

    [Fact]
    public void Remove_sub_attribute_and_whole_complex_attribute()
    {
        Assert.False(Patched("""{"op":"remove","path":"name.givenName"}""")["name"]!.AsObject().ContainsKey("givenName"));
        Assert.False(Patched("""{"op":"remove","path":"name.givenName"}""", """{"op":"remove","path":"name.familyName"}""").ContainsKey("name"));
        Assert.False(Patched("""{"op":"remove","path":"NAME"}""").ContainsKey("name"));
    }

    [Theory]
    [InlineData("title", "\"\"")]
    [InlineData("title", "null")]
    [InlineData("displayName", "\"\"")]
    [InlineData("name.givenName", "null")]
    [InlineData("emails[type eq \"work\"].value", "\"\"")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "\"\"")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "null")]
    public void Replace_with_empty_string_or_null_clears_the_value(string path, string value)
    {
        // quirk 17 and the 2026 validator's SCIM_Null_Update_Test
        var user = Patched($$"""{"op":"replace","path":"{{path.Replace("\"", "\\\"", StringComparison.Ordinal)}}","value":{{value}}}""");
        Assert.Null(ScimResource.GetString(user, ScimSchemas.User, path));
        Assert.Equal("bjensen", user["userName"]!.GetValue<string>());
    }

    [Fact]
    public void Replace_without_path_with_null_values_clears_them()
    {
        var user = Patched("""{"op":"replace","value":{"title":null,"displayName":"","name":{"givenName":null}}}""");
        Assert.False(user.ContainsKey("title"));
        Assert.False(user.ContainsKey("displayName"));
        TestJson.Equal("""{"familyName":"Jensen"}""", user["name"]);
    }

    [Fact]
    public void Replace_without_path_merges_complex_values()
    {
        var user = Patched("""{"op":"replace","value":{"name":{"middleName":"Jane"}}}""");
        TestJson.Equal("""{"familyName":"Jensen","givenName":"Barbara","middleName":"Jane"}""", user["name"]);
    }

    [Fact]
    public void Replace_without_path_accepts_nested_extension_object()
    {
        var user = Patched("""{"op":"replace","value":{""" + $"\"{Enterprise}\"" + """:{"department":"Sales","manager":"m-1"}}}""");
        TestJson.Equal("""{"employeeNumber":"701984","department":"Sales","manager":{"value":"m-1"}}""", user[Enterprise]);
    }

    [Fact]
    public void Replace_without_path_accepts_urn_qualified_key_with_complex_value()
    {
        var user = Patched("""{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":{"value":"m-2"}}}""");
        TestJson.Equal("""{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"m-2"}}""", user[Enterprise]);
    }

    [Fact]
    public void Patch_with_whole_extension_path_merges_or_removes_the_extension()
    {
        var merged = Patched("""{"op":"add","path":"ENT","value":{"costCenter":"4130","Department":""}}""".Replace("ENT", Enterprise, StringComparison.Ordinal));
        TestJson.Equal("""{"employeeNumber":"701984","costCenter":"4130"}""", merged[Enterprise]);
        var removed = Patched($$"""{"op":"remove","path":"{{Enterprise}}"}""");
        Assert.False(removed.ContainsKey(Enterprise));
        TestJson.Equal($$"""["{{ScimConstants.UserSchema}}"]""", removed["schemas"]);
    }

    [Fact]
    public void Replace_without_path_accepts_attributes_nested_under_the_core_schema_urn()
    {
        var user = Patched("""{"op":"replace","value":{""" + $"\"{ScimConstants.UserSchema}\"" + """:{"nickName":"Babs"}}}""");
        Assert.Equal("Babs", user["nickName"]!.GetValue<string>());
    }

    [Fact]
    public void Replace_without_path_ignores_echoed_schemas_and_meta_and_same_id()
    {
        var user = User();
        var result = Patch(user, """{"op":"replace","value":{"schemas":["x"],"id":"2819c223-7f76-453a-919d-413861904646","meta":{"created":"now"},"title":"Boss"}}""");
        Assert.Equal("Boss", result.Resource["title"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(user["meta"], result.Resource["meta"]));
    }

    [Fact]
    public void Replace_attribute_names_in_any_case_are_stored_with_schema_casing()
    {
        var user = Patched("""{"op":"replace","path":"NICKNAME","value":"Babs"}""", """{"op":"replace","value":{"Name.GivenName":"B","PREFERREDLANGUAGE":"en"}}""");
        Assert.Equal("Babs", user["nickName"]!.GetValue<string>());
        Assert.Equal("B", user["name"]!["givenName"]!.GetValue<string>());
        Assert.Equal("en", user["preferredLanguage"]!.GetValue<string>());
    }

    [Fact]
    public void Replace_custom_extension_attribute_by_urn_path_stores_it_under_its_urn()
    {
        // quirk 7: the custom schema URN is absent from "schemas"
        var user = Patched($$"""{"op":"Add","path":"{{Custom}}:CustomAttribute","value":"blue"}""");
        TestJson.Equal("""{"CustomAttribute":"blue"}""", user[Custom]);
        Assert.Contains(Custom, user["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("blue", ScimResource.GetString(user, ScimSchemas.User, $"{Custom}:customattribute"));
    }

    [Fact]
    public void Replace_unknown_attribute_is_stored_as_sent()
    {
        var user = Patched("""{"op":"replace","path":"favoriteColor","value":"green"}""", """{"op":"add","value":{"shoeSize":42}}""");
        Assert.Equal("green", user["favoriteColor"]!.GetValue<string>());
        Assert.Equal(42, user["shoeSize"]!.GetValue<int>());
    }

    [Fact]
    public void Replace_number_for_string_attribute_stores_its_text()
    {
        Assert.Equal("12345", Patched("""{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":12345}""")[Enterprise]!["employeeNumber"]!.GetValue<string>());
    }

    [Fact]
    public void Replace_password_is_accepted_but_never_stored()
    {
        var result = Patch(User(), """{"op":"replace","path":"password","value":"t1meMa$heen"}""");
        Assert.False(result.Resource.ContainsKey("password"));
        Assert.False(result.ResourceChanged);
    }

    [Fact]
    public void Replace_id_with_same_value_is_a_no_op()
    {
        Assert.False(Patch(User(), """{"op":"replace","path":"id","value":"2819c223-7f76-453a-919d-413861904646"}""").ResourceChanged);
    }

    [Theory]
    [InlineData("""{"op":"replace","path":"id","value":"other"}""")]
    [InlineData("""{"op":"remove","path":"id"}""")]
    [InlineData("""{"op":"replace","value":{"id":"other"}}""")]
    [InlineData("""{"op":"add","path":"groups","value":[{"value":"g1"}]}""")]
    [InlineData("""{"op":"replace","path":"meta.version","value":"W/\"1\""}""")]
    [InlineData("""{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName","value":"Boss"}""")]
    public void Change_to_read_only_attribute_throws_400_mutability(string operation)
    {
        TestJson.Error(ScimErrorType.Mutability, () => Patched(operation));
    }

    [Theory]
    [InlineData("""{"op":"remove","path":"userName"}""")]
    [InlineData("""{"op":"replace","path":"userName","value":""}""")]
    [InlineData("""{"op":"replace","value":{"userName":null}}""")]
    public void Removing_required_attribute_throws_400_invalidValue(string operation)
    {
        TestJson.Error(ScimErrorType.InvalidValue, () => Patched(operation));
    }

    [Theory]
    [InlineData("""{"op":"replace","path":"active","value":"maybe"}""")]
    [InlineData("""{"op":"replace","path":"active","value":{"a":1}}""")]
    [InlineData("""{"op":"replace","path":"userName","value":{"first":"a","second":"b"}}""")]
    [InlineData("""{"op":"replace","path":"userName","value":["a","b"]}""")]
    [InlineData("""{"op":"replace","path":"name","value":"just a string"}""")]
    [InlineData("""{"op":"replace","path":"emails","value":[{"value":{"nested":true}}]}""")]
    [InlineData("""{"op":"replace","path":"meta","value":{"x":1}}""")]
    [InlineData("""{"op":"replace","value":"not an object"}""")]
    [InlineData("""{"op":"add","value":[1,2]}""")]
    public void Value_of_wrong_type_throws_400(string operation)
    {
        var exception = Assert.Throws<ScimException>(() => Patched(operation));
        Assert.Equal(HttpStatusCode.BadRequest, exception.Status);
        Assert.Contains(exception.ScimType, new[] { ScimErrorType.InvalidValue, ScimErrorType.Mutability });
    }

    [Theory]
    [InlineData("""{"op":"replace","path":"userName.value","value":"x"}""")]
    [InlineData("""{"op":"replace","path":"name[givenName eq \"x\"].familyName","value":"x"}""")]
    [InlineData("""{"op":"replace","path":"active[value eq true]","value":"x"}""")]
    [InlineData("""{"op":"replace","path":"emails[type eq \"work\"","value":"x"}""")]
    [InlineData("""{"op":"replace","path":"emails[type eq \"work\"].value.x","value":"x"}""")]
    [InlineData("""{"op":"replace","path":42,"value":"x"}""")]
    public void Bad_path_throws_400_invalidPath(string operation)
    {
        TestJson.Error(ScimErrorType.InvalidPath, () => Patched(operation));
    }

    [Theory]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{"op":"add"}}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[]}""")]
    [InlineData("""{"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp","Operations":[]}""")]
    [InlineData("""{"Operations":[42]}""")]
    [InlineData("""{"Operations":[{"path":"title","value":"x"}]}""")]
    [InlineData("""{"Operations":[{"op":"delete","path":"title"}]}""")]
    [InlineData("""{"Operations":[{"op":"1","path":"title"}]}""")]
    [InlineData("""{"Operations":[{"op":"add, remove","path":"title"}]}""")]
    [InlineData("""{"Operations":[{"op":true,"path":"title"}]}""")]
    [InlineData("""{"Operations":[{"op":"add","path":"title"}]}""")]
    [InlineData("""{"Operations":[{"op":"replace"}]}""")]
    public void Parse_malformed_body_throws_400_invalidSyntax(string body)
    {
        TestJson.Error(ScimErrorType.InvalidSyntax, () => ScimPatch.Parse(TestJson.Parse(body)));
    }

    [Theory]
    [InlineData("""{"Operations":[{"op":"remove"}]}""")]
    [InlineData("""{"Operations":[{"op":"Remove","path":"  "}]}""")]
    [InlineData("""{"Operations":[{"op":"remove","path":null,"value":"x"}]}""")]
    public void Parse_remove_without_path_throws_400_noTarget(string body)
    {
        TestJson.Error(ScimErrorType.NoTarget, () => ScimPatch.Parse(TestJson.Parse(body)));
    }

    [Fact]
    public void Parse_body_without_schemas_is_accepted()
    {
        Assert.Single(ScimPatch.Parse(TestJson.Parse("""{"Operations":[{"op":"add","path":"title","value":"x"}]}""")));
    }
}
