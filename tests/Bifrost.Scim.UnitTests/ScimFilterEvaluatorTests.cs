namespace Bifrost.Scim.UnitTests;

public sealed class ScimFilterEvaluatorTests
{
    private static readonly JsonObject User = TestJson.Parse("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
          "id": "2819c223-7f76-453a-919d-413861904646",
          "externalId": "Bjensen-EXT",
          "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
          "name": { "familyName": "Jensen", "givenName": "Barbara" },
          "title": "",
          "active": true,
          "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
          ],
          "roles": [{ "value": "Admin", "primary": true }, { "value": "Reader", "primary": false }],
          "meta": { "resourceType": "User", "lastModified": "2011-05-13T04:42:34Z" },
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "00012",
            "manager": { "value": "26118915-6090-4610-87e4-49d8ca9f808d" }
          },
          "urn:ietf:params:scim:schemas:extension:Custom:2.0:User": { "level": 7, "flag": "True" }
        }
        """);

    private static bool Matches(string filter) => ScimFilterEvaluator.Matches(User, ScimFilter.Parse(filter), ScimSchemas.User);

    [Theory]
    [InlineData("userName eq \"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee\"", true)]
    [InlineData("userName eq \"test_user_00AA00AA-bb11-cc22-dd33-44ee44ee44ee\"", true)]
    [InlineData("USERNAME eq \"TEST_USER_00aa00aa-bb11-cc22-dd33-44ee44ee44ee\"", true)]
    [InlineData("userName eq \"non-existent user\"", false)]
    [InlineData("userName eq \"7d420df3-9995-4831-a406-ecf8166f5f6a\"", false)]
    [InlineData("externalId eq \"Bjensen-EXT\"", true)]
    [InlineData("externalId eq \"bjensen-ext\"", false)]
    [InlineData("id eq \"2819C223-7F76-453A-919D-413861904646\"", false)]
    [InlineData("id eq \"2819c223-7f76-453a-919d-413861904646\"", true)]
    public void Matches_applies_case_exactness_from_the_schema(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("emails[type eq \"work\"].value eq \"bjensen@example.com\"", true)]
    [InlineData("emails[type eq \"work\"].value eq \"BJENSEN@example.com\"", true)]
    [InlineData("emails[type eq \"home\"].value eq \"bjensen@example.com\"", false)]
    [InlineData("emails[type eq \"WORK\" and primary eq true]", true)]
    [InlineData("emails[type eq \"other\"]", false)]
    [InlineData("emails.value ew \"jensen.org\"", true)]
    [InlineData("emails co \"example.com\"", true)]
    [InlineData("emails.type eq \"home\"", true)]
    [InlineData("emails[type eq \"work\"] pr", true)]
    [InlineData("userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]", false)]
    [InlineData("emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]", true)]
    public void Matches_multi_valued_attribute_when_any_value_matches(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("roles[primary eq \"True\"].value eq \"Admin\"", true)]
    [InlineData("roles[primary eq \"true\"].value eq \"Reader\"", false)]
    [InlineData("roles[primary eq false].value eq \"Reader\"", true)]
    [InlineData("active eq true", true)]
    [InlineData("active eq \"True\"", true)]
    [InlineData("active eq \"False\"", false)]
    [InlineData("active ne false", true)]
    [InlineData("active gt false", false)]
    [InlineData("urn:ietf:params:scim:schemas:extension:Custom:2.0:User:flag eq true", true)]
    public void Matches_booleans_given_as_strings(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq \"someone-else\"", false)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"00012\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 00012", true)]
    [InlineData("employeeNumber sw \"000\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr", false)]
    [InlineData("urn:ietf:params:scim:schemas:extension:Custom:2.0:User:level gt 5", true)]
    [InlineData("urn:ietf:params:scim:schemas:extension:Custom:2.0:User:level le 6.5", false)]
    public void Matches_extension_attributes_by_urn_or_plain_name(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Fact]
    public void Matches_test_connection_probe_after_url_decoding_finds_nothing()
    {
        // entra-requests.md §1: the captured query string, "+" for spaces
        var filter = ScimFilter.Parse(WebUtility.UrlDecode("userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22"));
        Assert.Equal(new ScimComparisonFilter(new ScimAttributePath(null, "userName"), ScimComparisonOperator.Eq, "7d420df3-9995-4831-a406-ecf8166f5f6a"), filter);
        Assert.False(ScimFilterEvaluator.Matches(User, filter, ScimSchemas.User));
    }

    [Fact]
    public void Matches_entra_manager_check_with_id_and_manager()
    {
        // entra-requests.md §2.9 (inferred wire form)
        Assert.True(Matches("id eq \"2819c223-7f76-453a-919d-413861904646\" and manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\""));
        Assert.False(Matches("id eq \"2819c223-7f76-453a-919d-413861904646\" and manager eq \"00aa00aa-bb11-cc22-dd33-44ee44ee44ee\""));
    }

    [Theory]
    [InlineData("meta.lastModified gt \"2011-05-13T04:42:33Z\"", true)]
    [InlineData("meta.lastModified ge \"2011-05-13T04:42:34Z\"", true)]
    [InlineData("meta.lastModified lt \"2011-05-13T04:42:34Z\"", false)]
    [InlineData("meta.lastModified le \"2011-05-13T04:42:34Z\"", true)]
    [InlineData("meta.lastModified eq \"2011-05-13T06:42:34+02:00\"", true)]
    [InlineData("meta.lastModified gt \"2011-05-13T06:42:35+02:00\"", false)]
    [InlineData("meta.lastModified sw \"2011-05\"", true)]
    public void Matches_dates_by_instant(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("title pr", false)]
    [InlineData("name pr", true)]
    [InlineData("name.middleName pr", false)]
    [InlineData("nickName pr", false)]
    [InlineData("emails pr", true)]
    [InlineData("not (nickName pr)", true)]
    [InlineData("nickName eq null", true)]
    [InlineData("userName eq null", false)]
    [InlineData("userName ne null", true)]
    [InlineData("nickName ne \"x\"", true)]
    [InlineData("nickName co \"x\"", false)]
    [InlineData("userName gt \"Test_User_0\"", true)]
    [InlineData("userName lt \"u\"", true)]
    [InlineData("name.familyName co \"ENS\"", true)]
    [InlineData("name.familyName sw \"jen\" and name.givenName ew \"RA\"", true)]
    [InlineData("schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"", true)]
    [InlineData("unknownAttribute eq \"x\"", false)]
    [InlineData("urn:ietf:params:scim:schemas:extension:Other:2.0:User:x pr", false)]
    public void Matches_presence_negation_and_string_operators(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Fact]
    public void Matches_group_member_value_path()
    {
        var group = TestJson.Parse("""{"displayName":"Ops","members":[{"value":"a1"},{"value":"b2","type":"User"}]}""");
        Assert.True(ScimFilterEvaluator.Matches(group, ScimFilter.Parse("members[value eq \"b2\"]"), ScimSchemas.Group));
        Assert.False(ScimFilterEvaluator.Matches(group, ScimFilter.Parse("members[value eq \"B2\"]"), ScimSchemas.Group));
        Assert.True(ScimFilterEvaluator.Matches(group, ScimFilter.Parse("displayName eq \"ops\""), ScimSchemas.Group));
    }

    [Fact]
    public void Matches_value_filter_on_single_valued_attribute_throws_400_invalidFilter()
    {
        TestJson.Error(ScimErrorType.InvalidFilter, () => Matches("name[givenName eq \"Barbara\"]"));
    }

    [Fact]
    public void Matches_sub_attribute_of_simple_attribute_throws_400_invalidFilter()
    {
        TestJson.Error(ScimErrorType.InvalidFilter, () => Matches("userName.value eq \"x\""));
    }
}
