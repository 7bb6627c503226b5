namespace Bifrost.Scim.UnitTests;

/// <summary>Property tests: random ASTs render to text that parses back to an equal AST.</summary>
public sealed class ScimFilterRoundTripTests
{
    private static readonly string[] Names = ["userName", "name", "emails", "value", "type", "$ref", "x_1", "a-b", "not", "and", "or", "pr", "eq", "Title"];
    private static readonly string[] Uris = [ScimConstants.UserSchema, ScimConstants.EnterpriseUserSchema, "urn:ietf:params:scim:schemas:extension:Custom:2.0:User", "urn:x"];
    private static readonly string[] Strings = ["", "bjensen", "O'Malley", "a \"quoted\" \\ value", "tab\there", "\u0001ctl", "ünïcödé ✓", "2011-05-13T04:42:34Z", "true", "null", "42", "a]b)c(d[e", " spaced "];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 25)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ToString_of_generated_filter_parses_back_to_equal_ast(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 40; i++)
        {
            var filter = Filter(random, depth: 0, inValueFilter: false);
            var text = filter.ToString();
            var parsed = ScimFilter.Parse(text);
            Assert.True(filter.Equals(parsed), $"{text}\nreparsed as\n{parsed}");
            Assert.Equal(text, parsed.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ToString_of_generated_path_parses_back_to_equal_path(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 40; i++)
        {
            var path = Path(random, depth: 0, inValueFilter: false);
            Assert.Equal(path, ScimAttributePath.Parse(path.ToString()));
        }
    }

    private static ScimFilter Filter(Random random, int depth, bool inValueFilter)
    {
        var choice = depth >= 5 ? random.Next(3) : random.Next(7);
        return choice switch
        {
            0 or 1 => new ScimComparisonFilter(Path(random, depth, inValueFilter), (ScimComparisonOperator)random.Next(9), Literal(random)),
            2 => new ScimPresentFilter(Path(random, depth, inValueFilter)),
            3 => new ScimNotFilter(Filter(random, depth + 1, inValueFilter)),
            4 when !inValueFilter => new ScimValuePathFilter(new ScimAttributePath(null, Pick(random, Names), null, Filter(random, depth + 1, inValueFilter: true))),
            _ => new ScimLogicalFilter((ScimLogicalOperator)random.Next(2), Filter(random, depth + 1, inValueFilter), Filter(random, depth + 1, inValueFilter)),
        };
    }

    private static ScimAttributePath Path(Random random, int depth, bool inValueFilter)
    {
        var uri = random.Next(4) == 0 ? Pick(random, Uris) : null;
        var filter = !inValueFilter && depth < 4 && random.Next(4) == 0 ? Filter(random, depth + 1, inValueFilter: true) : null;
        var sub = random.Next(3) == 0 ? Pick(random, Names) : null;
        return new ScimAttributePath(uri, Pick(random, Names), sub, filter);
    }

    private static object? Literal(Random random) => random.Next(5) switch
    {
        0 => null,
        1 => random.Next(2) == 0,
        2 => Math.Round((decimal)(random.NextDouble() * 2000 - 1000), random.Next(4)),
        _ => Pick(random, Strings),
    };

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];
}
