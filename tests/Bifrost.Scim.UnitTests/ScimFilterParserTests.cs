namespace Bifrost.Scim.UnitTests;

public sealed class ScimFilterParserTests
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    private static ScimAttributePath Attr(string name, string? sub = null) => new(null, name, sub);

    private static ScimComparisonFilter Eq(string name, object? value) => new(Attr(name), ScimComparisonOperator.Eq, value);

    private static ScimPresentFilter Pr(string name) => new(Attr(name));

    [Fact]
    public void Parse_userName_eq_string_returns_comparison()
    {
        Assert.Equal(Eq("userName", "bjensen"), ScimFilter.Parse("userName eq \"bjensen\""));
    }

    [Theory]
    [InlineData("eq", ScimComparisonOperator.Eq)]
    [InlineData("NE", ScimComparisonOperator.Ne)]
    [InlineData("Co", ScimComparisonOperator.Co)]
    [InlineData("sW", ScimComparisonOperator.Sw)]
    [InlineData("EW", ScimComparisonOperator.Ew)]
    [InlineData("gt", ScimComparisonOperator.Gt)]
    [InlineData("Ge", ScimComparisonOperator.Ge)]
    [InlineData("LT", ScimComparisonOperator.Lt)]
    [InlineData("le", ScimComparisonOperator.Le)]
    public void Parse_operator_in_any_case_returns_that_operator(string text, ScimComparisonOperator expected)
    {
        var filter = Assert.IsType<ScimComparisonFilter>(ScimFilter.Parse($"title {text} \"x\""));
        Assert.Equal(expected, filter.Operator);
    }

    [Fact]
    public void Parse_keywords_in_upper_case_returns_same_ast_as_lower_case()
    {
        Assert.Equal(
            ScimFilter.Parse("title pr and not (userName eq \"a\" or active eq true)"),
            ScimFilter.Parse("title PR AND NOT (userName EQ \"a\" OR active Eq TRUE)"));
    }

    [Fact]
    public void Parse_and_binds_tighter_than_or()
    {
        var expected = new ScimLogicalFilter(ScimLogicalOperator.Or, Pr("a"), new ScimLogicalFilter(ScimLogicalOperator.And, Pr("b"), Pr("c")));
        Assert.Equal(expected, ScimFilter.Parse("a pr or b pr and c pr"));
    }

    [Fact]
    public void Parse_not_binds_tighter_than_and()
    {
        var expected = new ScimLogicalFilter(ScimLogicalOperator.And, new ScimNotFilter(Pr("a")), Pr("b"));
        Assert.Equal(expected, ScimFilter.Parse("not (a pr) and b pr"));
    }

    [Fact]
    public void Parse_parentheses_override_precedence()
    {
        var expected = new ScimLogicalFilter(ScimLogicalOperator.And, new ScimLogicalFilter(ScimLogicalOperator.Or, Pr("a"), Pr("b")), Pr("c"));
        Assert.Equal(expected, ScimFilter.Parse("(a pr or b pr) and c pr"));
    }

    [Fact]
    public void Parse_chain_of_and_is_left_associative()
    {
        var expected = new ScimLogicalFilter(ScimLogicalOperator.And, new ScimLogicalFilter(ScimLogicalOperator.And, Pr("a"), Pr("b")), Pr("c"));
        Assert.Equal(expected, ScimFilter.Parse("a pr and b pr and c pr"));
    }

    [Fact]
    public void Parse_redundant_whitespace_and_parentheses_are_ignored()
    {
        Assert.Equal(ScimFilter.Parse("a pr and b pr"), ScimFilter.Parse("  ((a pr))\tand\n( b  pr )  "));
    }

    [Fact]
    public void Parse_not_directly_followed_by_parenthesis_is_accepted()
    {
        Assert.Equal(new ScimNotFilter(Pr("a")), ScimFilter.Parse("not(a pr)"));
    }

    [Fact]
    public void Parse_attribute_named_like_keyword_is_an_attribute()
    {
        Assert.Equal(Eq("not", "x"), ScimFilter.Parse("not eq \"x\""));
    }

    [Fact]
    public void Parse_sub_attribute_path_splits_at_dot()
    {
        Assert.Equal(new ScimComparisonFilter(Attr("name", "familyName"), ScimComparisonOperator.Co, "O'Malley"), ScimFilter.Parse("name.familyName co \"O'Malley\""));
    }

    [Fact]
    public void Parse_enterprise_urn_attribute_splits_at_last_colon()
    {
        var filter = Assert.IsType<ScimComparisonFilter>(ScimFilter.Parse($"{Enterprise}:employeeNumber eq \"701984\""));
        Assert.Equal(new ScimAttributePath(Enterprise, "employeeNumber"), filter.Path);
    }

    [Fact]
    public void Parse_enterprise_manager_value_keeps_dotted_version_in_urn()
    {
        var filter = Assert.IsType<ScimComparisonFilter>(ScimFilter.Parse($"{Enterprise}:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\""));
        Assert.Equal(new ScimAttributePath(Enterprise, "manager", "value"), filter.Path);
    }

    [Fact]
    public void Parse_core_urn_qualified_attribute_keeps_schema_uri()
    {
        var filter = Assert.IsType<ScimComparisonFilter>(ScimFilter.Parse("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\""));
        Assert.Equal(new ScimAttributePath(ScimConstants.UserSchema, "userName"), filter.Path);
    }

    [Fact]
    public void Parse_entra_email_value_path_returns_comparison_on_filtered_path()
    {
        // entra-requests.md §2.8 (S12)
        var filter = ScimFilter.Parse("emails[type eq \"work\"].value eq \"user@contoso.com\"");
        var expected = new ScimComparisonFilter(new ScimAttributePath(null, "emails", "value", Eq("type", "work")), ScimComparisonOperator.Eq, "user@contoso.com");
        Assert.Equal(expected, filter);
    }

    [Fact]
    public void Parse_standalone_value_path_returns_value_path_filter()
    {
        var filter = ScimFilter.Parse("members[value eq \"2819c223-7f76-453a-919d-413861904646\"]");
        Assert.Equal(new ScimValuePathFilter(new ScimAttributePath(null, "members", null, Eq("value", "2819c223-7f76-453a-919d-413861904646"))), filter);
    }

    [Fact]
    public void Parse_value_path_followed_by_operator_compares_the_filtered_values()
    {
        var path = new ScimAttributePath(null, "emails", null, Eq("type", "work"));
        Assert.Equal(new ScimPresentFilter(path), ScimFilter.Parse("emails[type eq \"work\"] pr"));
        Assert.Equal(new ScimComparisonFilter(path, ScimComparisonOperator.Co, "@x"), ScimFilter.Parse("emails[type eq \"work\"] co \"@x\""));
        Assert.Equal("emails[type eq \"work\"] co \"@x\"", ScimFilter.Parse("emails[type eq \"work\"]  CO \"@x\"").ToString());
    }

    [Fact]
    public void Parse_value_filter_with_logical_expression_is_relative_to_the_element()
    {
        var filter = Assert.IsType<ScimValuePathFilter>(ScimFilter.Parse("emails[type eq \"work\" and value co \"@example.com\"]"));
        Assert.Equal(new ScimLogicalFilter(ScimLogicalOperator.And, Eq("type", "work"), new ScimComparisonFilter(Attr("value"), ScimComparisonOperator.Co, "@example.com")), filter.Path.ValueFilter);
    }

    [Theory]
    [InlineData("\"plain\"", "plain")]
    [InlineData("\"with \\\"quotes\\\" and \\\\ backslash\"", "with \"quotes\" and \\ backslash")]
    [InlineData("\"tab\\tnew\\nline\\r\\b\\f\\/\"", "tab\tnew\nline\r\b\f/")]
    [InlineData("\"\\u00e9t\\u00C9\"", "étÉ")]
    [InlineData("\"\"", "")]
    [InlineData("\"2011-05-13T04:42:34Z\"", "2011-05-13T04:42:34Z")]
    public void Parse_string_literal_decodes_json_escapes(string literal, string expected)
    {
        Assert.Equal(Eq("x", expected), ScimFilter.Parse("x eq " + literal));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("FALSE", false)]
    [InlineData("false", false)]
    public void Parse_boolean_literal_in_any_case_returns_bool(string literal, bool expected)
    {
        Assert.Equal(Eq("active", expected), ScimFilter.Parse("active eq " + literal));
    }

    [Fact]
    public void Parse_null_literal_returns_null_value()
    {
        Assert.Equal(Eq("title", null), ScimFilter.Parse("title eq NULL"));
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("3.25", "3.25")]
    [InlineData("0", "0")]
    public void Parse_number_literal_returns_decimal(string literal, string expected)
    {
        Assert.Equal(Eq("n", decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)), ScimFilter.Parse("n eq " + literal));
    }

    [Theory]
    [InlineData("jyoung")]
    [InlineData("5d48a0a8e9f04aa38008")]
    [InlineData("00012")]
    [InlineData("1e3")]
    [InlineData("user@contoso.com")]
    public void Parse_unquoted_word_returns_string_value(string word)
    {
        // entra-requests.md §2.7: S1's older Example 1 sends "externalId eq jyoung" without quotes.
        Assert.Equal(Eq("externalId", word), ScimFilter.Parse("externalId eq " + word));
    }

    public static TheoryData<string> EntraFilters() =>
    [
        "userName eq \"7d420df3-9995-4831-a406-ecf8166f5f6a\"",
        "userName eq \"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee\"",
        "userName eq \"non-existent user\"",
        "externalId eq jyoung",
        "emails[type eq \"work\"].value eq \"user@contoso.com\"",
        "id eq \"a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1\" and manager eq \"00aa00aa-bb11-cc22-dd33-44ee44ee44ee\"",
        "displayName eq \"displayName\"",
        "externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\"",
    ];

    public static TheoryData<string> RfcFilters() =>
    [
        "userName eq \"bjensen\"",
        "name.familyName co \"O'Malley\"",
        "userName sw \"J\"",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
        "title pr",
        "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
        "meta.lastModified ge \"2011-05-13T04:42:34Z\"",
        "meta.lastModified lt \"2011-05-13T04:42:34Z\"",
        "meta.lastModified le \"2011-05-13T04:42:34Z\"",
        "title pr and userType eq \"Employee\"",
        "title pr or userType eq \"Intern\"",
        "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
        "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
        "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
        "userType eq \"Employee\" and (emails.type eq \"work\")",
        "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
        "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
    ];

    [Theory]
    [MemberData(nameof(EntraFilters))]
    [MemberData(nameof(RfcFilters))]
    public void Parse_published_filter_round_trips_through_ToString(string text)
    {
        var filter = ScimFilter.Parse(text);
        var rendered = filter.ToString();
        Assert.Equal(filter, ScimFilter.Parse(rendered));
        Assert.Equal(rendered, ScimFilter.Parse(rendered).ToString());
    }

    [Fact]
    public void ToString_renders_canonical_text()
    {
        var filter = ScimFilter.Parse("(A PR  OR  b Eq \"x\") AND NOT(c.d Gt 5) and e[f eq TRUE].g le \"q\\\"\"");
        Assert.Equal("(A pr or b eq \"x\") and not (c.d gt 5) and e[f eq true].g le \"q\\\"\"", filter.ToString());
    }

    [Fact]
    public void ToString_parenthesizes_right_nested_chain_of_same_operator()
    {
        var filter = new ScimLogicalFilter(ScimLogicalOperator.And, Pr("a"), new ScimLogicalFilter(ScimLogicalOperator.And, Pr("b"), Pr("c")));
        Assert.Equal("a pr and (b pr and c pr)", filter.ToString());
        Assert.Equal(filter, ScimFilter.Parse(filter.ToString()));
    }

    [Fact]
    public void ToString_escapes_control_characters()
    {
        var filter = Eq("x", "a\u0001b\"c\\d");
        Assert.Equal("x eq \"a\\u0001b\\\"c\\\\d\"", filter.ToString());
        Assert.Equal(filter, ScimFilter.Parse(filter.ToString()));
    }

    [Fact]
    public void Constructor_with_int_value_stores_decimal()
    {
        Assert.Equal(Eq("n", 5m), new ScimComparisonFilter(Attr("n"), ScimComparisonOperator.Eq, 5));
    }

    [Fact]
    public void Constructor_with_unsupported_value_type_throws_argument_exception()
    {
        Assert.Throws<ArgumentException>(() => new ScimComparisonFilter(Attr("n"), ScimComparisonOperator.Eq, new object()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("userName")]
    [InlineData("userName eq")]
    [InlineData("userName xx \"a\"")]
    [InlineData("userName equals \"a\"")]
    [InlineData("userName eq \"a\" and")]
    [InlineData("userName eq \"a\" and or b pr")]
    [InlineData("(userName eq \"a\"")]
    [InlineData("userName eq \"a\")")]
    [InlineData("emails[type eq \"work\"")]
    [InlineData("emails[type eq \"work\"]]")]
    [InlineData("emails[type[value eq \"x\"]]")]
    [InlineData("emails[]")]
    [InlineData("userName eq \"abc")]
    [InlineData("userName eq \"a\\qb\"")]
    [InlineData("userName eq \"\\u12\"")]
    [InlineData("userName eq \"\\")]
    [InlineData("name.given.x eq \"a\"")]
    [InlineData(".name eq \"a\"")]
    [InlineData("name. eq \"a\"")]
    [InlineData("1abc eq \"a\"")]
    [InlineData("urn:: eq \"a\"")]
    [InlineData(":userName eq \"a\"")]
    [InlineData("urn:x: eq \"a\"")]
    [InlineData("user,Name eq \"a\"")]
    [InlineData("userName eq \"a\" userName eq \"b\"")]
    [InlineData("userName eq \"a\" \"b\"")]
    [InlineData("not userName eq \"a\"")]
    [InlineData("not ()")]
    [InlineData("()")]
    [InlineData("name.givenName[x eq 1] pr")]
    [InlineData("emails[type eq \"work\"]. eq \"x\"")]
    [InlineData("emails[type eq \"work\"].value")]
    [InlineData("userName eq )")]
    [InlineData("and")]
    [InlineData("userName pr pr")]
    public void Parse_malformed_filter_throws_400_invalidFilter_with_position(string text)
    {
        var exception = TestJson.Error(ScimErrorType.InvalidFilter, () => ScimFilter.Parse(text));
        Assert.Contains(text.Trim().Length == 0 ? "empty" : "position", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_unknown_operator_names_the_operator_in_the_detail()
    {
        var exception = TestJson.Error(ScimErrorType.InvalidFilter, () => ScimFilter.Parse("userName xx \"a\""));
        Assert.Equal("Invalid filter at position 9: unknown operator 'xx' after 'userName'.", exception.Message);
    }

    [Fact]
    public void Parse_nesting_at_the_limit_is_accepted()
    {
        var depth = ScimFilter.MaxDepth;
        var filter = ScimFilter.Parse(new string('(', depth) + "a pr" + new string(')', depth));
        Assert.Equal(Pr("a"), filter);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(2000)]
    public void Parse_nesting_beyond_the_limit_throws_400_invalidFilter(int depth)
    {
        var exception = TestJson.Error(ScimErrorType.InvalidFilter, () => ScimFilter.Parse(new string('(', depth) + "a pr" + new string(')', depth)));
        Assert.Contains("nesting", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_deeply_nested_not_throws_400_invalidFilter()
    {
        var text = string.Concat(Enumerable.Repeat("not (", 800)) + "a pr" + new string(')', 800);
        TestJson.Error(ScimErrorType.InvalidFilter, () => ScimFilter.Parse(text));
    }

    [Fact]
    public void Parse_filter_of_maximum_length_is_accepted()
    {
        var value = new string('x', ScimFilter.MaxLength - "userName eq \"\"".Length);
        Assert.Equal(Eq("userName", value), ScimFilter.Parse($"userName eq \"{value}\""));
    }

    [Theory]
    [InlineData(4097)]
    [InlineData(1_000_000)]
    public void Parse_filter_longer_than_the_limit_throws_400_invalidFilter(int length)
    {
        var text = "userName eq \"" + new string('x', length) + "\"";
        var exception = TestJson.Error(ScimErrorType.InvalidFilter, () => ScimFilter.Parse(text));
        Assert.Contains("4096", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_long_flat_chain_within_length_limit_is_accepted_and_renders()
    {
        var text = string.Join(" or ", Enumerable.Repeat("a pr", 500));
        var filter = ScimFilter.Parse(text);
        Assert.Equal(text, filter.ToString());
    }
}
