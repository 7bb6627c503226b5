namespace Bifrost.Scim.UnitTests;

public sealed class ScimListResponseTests
{
    [Fact]
    public void Create_without_resources_returns_empty_list_response()
    {
        // entra-requests.md §2.7: no match is 200 with totalResults 0, never 404
        TestJson.Equal("""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 0,
                "Resources": [],
                "startIndex": 1,
                "itemsPerPage": 0
            }
            """, ScimListResponse.Create([], 0));
    }

    [Fact]
    public void Create_with_page_sets_items_per_page_and_copies_attached_resources()
    {
        var attached = new JsonObject { ["wrapper"] = new JsonObject { ["id"] = "a" } };
        var list = ScimListResponse.Create([attached["wrapper"]!, new JsonObject { ["id"] = "b" }], totalResults: 12, startIndex: 11);
        Assert.Equal(12, list["totalResults"]!.GetValue<int>());
        Assert.Equal(11, list["startIndex"]!.GetValue<int>());
        Assert.Equal(2, list["itemsPerPage"]!.GetValue<int>());
        Assert.Equal(["a", "b"], list["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        Assert.NotNull(attached["wrapper"]);
        Assert.Equal(["schemas", "totalResults", "Resources", "startIndex", "itemsPerPage"], list.Select(p => p.Key));
    }

    [Fact]
    public void ToJson_of_not_found_error_has_string_status_and_no_scim_type()
    {
        // entra-requests.md §2.5
        var error = ScimError.Create(HttpStatusCode.NotFound, "Resource 23B51B0E5D7AE9110A49411D@7cca31655d49f3640a494224 not found");
        TestJson.Equal("""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "404",
                "detail": "Resource 23B51B0E5D7AE9110A49411D@7cca31655d49f3640a494224 not found"
            }
            """, error.ToJson());
    }

    [Fact]
    public void ToJson_of_exception_error_carries_scim_type()
    {
        var exception = Assert.Throws<ScimException>(() => ScimFilter.Parse("userName eq"));
        var json = exception.ToError().ToJson();
        Assert.Equal("400", json["status"]!.GetValue<string>());
        Assert.Equal("invalidFilter", json["scimType"]!.GetValue<string>());
        Assert.StartsWith("Invalid filter at position", json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_matches_System_Text_Json_serialization_of_the_record()
    {
        var error = ScimError.Create(HttpStatusCode.Conflict, "userName taken", ScimErrorType.Uniqueness);
        Assert.True(JsonNode.DeepEquals(JsonSerializer.SerializeToNode(error), error.ToJson()));
    }
}
