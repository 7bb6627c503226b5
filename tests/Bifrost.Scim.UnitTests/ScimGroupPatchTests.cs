namespace Bifrost.Scim.UnitTests;

/// <summary>Group PATCH: members come back as separate changes and never touch the resource.</summary>
public sealed class ScimGroupPatchTests
{
    private static JsonObject Group() => ScimResource.Normalize(TestJson.Parse("""
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": { "resourceType": "Group" }
        }
        """), ScimSchemas.Group);

    private static ScimPatchResult Patch(string body, JsonObject? group = null) => ScimPatch.Apply(group ?? Group(), TestJson.Parse(body), ScimSchemas.Group);

    private static ScimPatchResult PatchOps(params string[] operations) =>
        Patch($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{string.Join(",", operations)}}]}""");

    private static void AssertMembers(ScimMemberChanges members, bool removeAll, string[] added, string[] removed)
    {
        Assert.Equal(removeAll, members.RemoveAll);
        Assert.Equal(added.Order(), members.Added.Order());
        Assert.Equal(removed.Order(), members.Removed.Order());
    }

    [Fact]
    public void Patch_replace_display_name_changes_resource_and_no_members()
    {
        // entra-requests.md §3.4
        var result = Patch("""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Replace",
                    "path": "displayName",
                    "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
                }]
            }
            """);
        Assert.True(result.ResourceChanged);
        Assert.True(result.Members.IsEmpty);
        Assert.Equal("1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName", result.Resource["displayName"]!.GetValue<string>());
    }

    [Fact]
    public void Patch_add_member_returns_member_to_add_and_leaves_resource_unchanged()
    {
        // entra-requests.md §3.5 and quirk 5: "$ref": null
        var group = Group();
        var result = Patch("""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Add",
                    "path": "members",
                    "value": [{
                        "$ref": null,
                        "value": "f648f8d5ea4e4cd38e9c"
                    }]
                }]
            }
            """, group);
        AssertMembers(result.Members, removeAll: false, ["f648f8d5ea4e4cd38e9c"], []);
        Assert.False(result.ResourceChanged);
        Assert.True(result.HasChanges);
        Assert.True(JsonNode.DeepEquals(group, result.Resource));
    }

    [Fact]
    public void Patch_remove_member_with_value_removes_only_that_member()
    {
        // entra-requests.md §3.6 and quirk 4: a literal reading would remove every member
        var result = Patch("""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Remove",
                    "path": "members",
                    "value": [{
                        "$ref": null,
                        "value": "f648f8d5ea4e4cd38e9c"
                    }]
                }]
            }
            """);
        AssertMembers(result.Members, removeAll: false, [], ["f648f8d5ea4e4cd38e9c"]);
        Assert.False(result.ResourceChanged);
    }

    [Fact]
    public void Patch_remove_member_without_flag_removes_listed_member()
    {
        // entra-requests.md §5.4 without the flag
        var result = Patch("""
            {
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                    {
                        "op": "Remove",
                        "path": "members",
                        "value": [
                            {
                                "value": "u1091"
                            }
                        ]
                    }
                ]
            }
            """);
        AssertMembers(result.Members, removeAll: false, [], ["u1091"]);
    }

    [Fact]
    public void Patch_remove_member_with_flag_uses_value_filter()
    {
        // entra-requests.md §5.4 with the flag
        var result = Patch("""
            {
                "schemas": [
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
                ],
                "Operations": [
                    {
                        "op": "remove",
                        "path": "members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]"
                    }
                ]
            }
            """);
        AssertMembers(result.Members, removeAll: false, [], ["7f4bc1a3-285e-48ae-8202-5accb43efb0e"]);
    }

    [Fact]
    public void Patch_remove_members_without_value_removes_all()
    {
        AssertMembers(PatchOps("""{"op":"remove","path":"members"}""").Members, removeAll: true, [], []);
        AssertMembers(PatchOps("""{"op":"remove","path":"members","value":null}""").Members, removeAll: true, [], []);
    }

    [Fact]
    public void Patch_replace_members_removes_all_then_adds_list()
    {
        var result = PatchOps("""{"op":"replace","path":"members","value":[{"value":"a"},{"value":"b","display":"B","type":"User"}]}""");
        AssertMembers(result.Members, removeAll: true, ["a", "b"], []);
    }

    [Fact]
    public void Patch_replace_members_with_empty_list_removes_all()
    {
        AssertMembers(PatchOps("""{"op":"replace","path":"members","value":[]}""").Members, removeAll: true, [], []);
    }

    [Fact]
    public void Patch_without_path_separates_members_from_other_attributes()
    {
        var replace = PatchOps("""{"op":"replace","value":{"displayName":"Ops","members":[{"value":"a"}]}}""");
        AssertMembers(replace.Members, removeAll: true, ["a"], []);
        Assert.Equal("Ops", replace.Resource["displayName"]!.GetValue<string>());
        Assert.False(replace.Resource.ContainsKey("members"));

        var add = PatchOps("""{"op":"add","value":{"Members":[{"value":"b"}]}}""");
        AssertMembers(add.Members, removeAll: false, ["b"], []);
        Assert.False(add.ResourceChanged);
    }

    [Fact]
    public void Patch_several_operations_compose_in_order()
    {
        // quirk 5: one PATCH may hold several members and several operations
        var result = PatchOps(
            """{"op":"Replace","path":"displayName","value":"New name"}""",
            """{"op":"Add","path":"members","value":[{"value":"a"},{"value":"b"},{"value":"c"}]}""",
            """{"op":"Remove","path":"members","value":[{"value":"b"}]}""",
            """{"op":"remove","path":"members[value eq \"x\" or value eq \"y\"]"}""",
            """{"op":"add","path":"members","value":[{"value":"x"}]}""");
        AssertMembers(result.Members, removeAll: false, ["a", "c", "x"], ["b", "y"]);
        Assert.True(result.ResourceChanged);
    }

    [Fact]
    public void Patch_remove_all_then_add_is_a_replacement()
    {
        var result = PatchOps("""{"op":"remove","path":"members"}""", """{"op":"add","path":"members","value":[{"value":"z"}]}""", """{"op":"remove","path":"members","value":[{"value":"q"}]}""");
        AssertMembers(result.Members, removeAll: true, ["z"], []);
    }

    [Fact]
    public void Patch_add_member_twice_lists_it_once()
    {
        var result = PatchOps("""{"op":"add","path":"members","value":[{"value":"a"},{"value":"a"}]}""", """{"op":"add","path":"members","value":{"value":"a"}}""");
        AssertMembers(result.Members, removeAll: false, ["a"], []);
    }

    [Fact]
    public void Patch_member_changes_ignore_members_present_in_the_resource()
    {
        var group = Group();
        group["members"] = JsonNode.Parse("""[{"value":"existing"}]""");
        var result = Patch("""{"Operations":[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"n"}]}]}""", group);
        TestJson.Equal("""[{"value":"existing"}]""", result.Resource["members"]);
        Assert.False(result.ResourceChanged);
    }

    [Theory]
    [InlineData("""{"op":"add","path":"members[value eq \"a\"]","value":[{"value":"a"}]}""", ScimErrorType.InvalidPath)]
    [InlineData("""{"op":"remove","path":"members[display eq \"A\"]"}""", ScimErrorType.InvalidPath)]
    [InlineData("""{"op":"remove","path":"members[value ne \"a\"]"}""", ScimErrorType.InvalidPath)]
    [InlineData("""{"op":"remove","path":"members[value eq \"a\" and type eq \"User\"]"}""", ScimErrorType.InvalidPath)]
    [InlineData("""{"op":"replace","path":"members[value eq \"a\"].display","value":"A"}""", ScimErrorType.InvalidPath)]
    [InlineData("""{"op":"add","path":"members","value":[{"display":"no id"}]}""", ScimErrorType.InvalidValue)]
    [InlineData("""{"op":"add","path":"members","value":[{"value":""}]}""", ScimErrorType.InvalidValue)]
    [InlineData("""{"op":"add","path":"members","value":[{"value":{"id":1}}]}""", ScimErrorType.InvalidValue)]
    [InlineData("""{"op":"replace","path":"displayName","value":""}""", ScimErrorType.InvalidValue)]
    [InlineData("""{"op":"replace","path":"id","value":"other"}""", ScimErrorType.Mutability)]
    public void Patch_invalid_group_operation_throws_400(string operation, string scimType)
    {
        TestJson.Error(scimType, () => PatchOps(operation));
    }

    [Fact]
    public void Patch_members_accepts_plain_string_ids()
    {
        AssertMembers(PatchOps("""{"op":"add","path":"members","value":["a","b"]}""").Members, removeAll: false, ["a", "b"], []);
    }

    [Fact]
    public void Patch_user_members_attribute_is_not_special()
    {
        var user = ScimResource.Normalize(TestJson.Parse("""{"userName":"u"}"""), ScimSchemas.User);
        var result = ScimPatch.Apply(user, TestJson.Parse("""{"Operations":[{"op":"add","path":"members","value":[{"value":"a"}]}]}"""), ScimSchemas.User);
        Assert.True(result.Members.IsEmpty);
        TestJson.Equal("""[{"value":"a"}]""", result.Resource["members"]);
    }
}
