namespace Bifrost.Scim.UnitTests;

public sealed class ScimAttributePathTests
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    [Theory]
    [InlineData("userName", null, "userName", null)]
    [InlineData("name.familyName", null, "name", "familyName")]
    [InlineData(Enterprise + ":employeeNumber", Enterprise, "employeeNumber", null)]
    [InlineData(Enterprise + ":manager", Enterprise, "manager", null)]
    [InlineData(Enterprise + ":manager.value", Enterprise, "manager", "value")]
    [InlineData("urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute", "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User", "CustomAttribute", null)]
    [InlineData("members", null, "members", null)]
    [InlineData("  userName  ", null, "userName", null)]
    public void Parse_path_splits_uri_attribute_and_sub_attribute(string text, string? uri, string name, string? sub)
    {
        Assert.Equal(new ScimAttributePath(uri, name, sub), ScimAttributePath.Parse(text));
    }

    [Theory]
    [InlineData("emails[type eq \"work\"].value", "emails", "value", "type", "work")]
    [InlineData("emails[type eq \"other\"].Value", "emails", "Value", "type", "other")]
    [InlineData("addresses[type eq \"other\"].Formatted", "addresses", "Formatted", "type", "other")]
    [InlineData("phoneNumbers[type eq \"mobile\"].value", "phoneNumbers", "value", "type", "mobile")]
    [InlineData("members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]", "members", null, "value", "7f4bc1a3-285e-48ae-8202-5accb43efb0e")]
    [InlineData("roles[primary eq \"True\"].display", "roles", "display", "primary", "True")]
    public void Parse_value_path_keeps_filter_and_sub_attribute(string text, string name, string? sub, string filterAttribute, string filterValue)
    {
        var expected = new ScimAttributePath(null, name, sub, new ScimComparisonFilter(new ScimAttributePath(null, filterAttribute), ScimComparisonOperator.Eq, filterValue));
        var path = ScimAttributePath.Parse(text);
        Assert.Equal(expected, path);
        Assert.Equal(text, path.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("emails[type eq \"work\"")]
    [InlineData("emails[type eq ]")]
    [InlineData("emails[type eq \"work\"].")]
    [InlineData("emails[type eq \"work\"]x")]
    [InlineData("name.givenName.x")]
    [InlineData("name givenName")]
    [InlineData("user name")]
    [InlineData("name..x")]
    [InlineData("urn:x:")]
    [InlineData("9lives")]
    [InlineData("emails[type eq \"work\"].value eq \"x\"")]
    [InlineData("name.givenName[type eq \"work\"]")]
    public void Parse_malformed_path_throws_400_invalidPath(string text)
    {
        TestJson.Error(ScimErrorType.InvalidPath, () => ScimAttributePath.Parse(text));
    }

    [Fact]
    public void ResolveAttribute_of_unqualified_extension_attribute_finds_enterprise_manager()
    {
        var reference = ScimSchemas.User.ResolveAttribute(ScimAttributePath.Parse("MANAGER.Value"));
        Assert.NotNull(reference);
        Assert.Equal(Enterprise, reference.ExtensionSchemaUri);
        Assert.Equal("manager", reference.Attribute.Name);
        Assert.Equal("value", reference.SubAttribute?.Name);
    }

    [Theory]
    [InlineData("userName", false)]
    [InlineData("externalId", true)]
    [InlineData("id", true)]
    [InlineData("emails.value", false)]
    public void ResolveAttribute_reports_case_exactness_for_query_translation(string path, bool caseExact)
    {
        var reference = ScimSchemas.User.ResolveAttribute(ScimAttributePath.Parse(path))!;
        Assert.Equal(caseExact, (reference.SubAttribute ?? reference.Attribute).CaseExact);
        Assert.Null(reference.ExtensionSchemaUri);
    }

    [Fact]
    public void ResolveAttribute_of_unknown_attribute_returns_null()
    {
        Assert.Null(ScimSchemas.User.ResolveAttribute(ScimAttributePath.Parse("urn:ietf:params:scim:schemas:extension:Custom:2.0:User:thing")));
    }
}
