using Bifrost.Contracts.Providers;
using Bifrost.TeamMapping.Model;

namespace Bifrost.TeamMapping.FunctionalTests;

/// <summary>Unit tests of the pure rule evaluator (no I/O).</summary>
public sealed class RuleEvaluatorTests
{
    private const string Department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

    private static IReadOnlyList<string> Evaluate(IEnumerable<MappingRule> rules, Dictionary<string, string>? attributes = null, params string[] groups) =>
        RuleEvaluator.Evaluate(rules, new Bifrost.Mapping.RuleSubject(attributes ?? [], "ada@contoso.test", groups));

    [Fact]
    public void Literal_value_matches_case_insensitively_and_grants_the_target()
    {
        var names = Evaluate([new MappingRule("title", "Engineer", "Builders")], new() { ["title"] = "  ENGINEER " });

        Assert.Equal(["Builders"], names);
        Assert.Empty(Evaluate([new MappingRule("title", "Engineer", "Builders")], new() { ["title"] = "Engineering manager" }));
    }

    [Fact]
    public void Attribute_name_is_exact_case()
    {
        Assert.Empty(Evaluate([new MappingRule("Title", "Engineer", "Builders")], new() { ["title"] = "Engineer" }));
        Assert.Equal(["Sales"], Evaluate([new MappingRule(Department, "*", null)], new() { [Department] = "Sales" }));
    }

    [Fact]
    public void Star_uses_the_value_itself_or_the_target_when_one_is_given()
    {
        Assert.Equal(["Research"], Evaluate([new MappingRule(Department, "*", "")], new() { [Department] = "Research" }));
        Assert.Equal(["Everyone"], Evaluate([new MappingRule(Department, "*", "Everyone")], new() { [Department] = "Research" }));
        Assert.Empty(Evaluate([new MappingRule(Department, "*", "")], new() { ["title"] = "Research" }));
    }

    [Fact]
    public void Emails_reads_the_work_email_as_role_rules_do()
    {
        Assert.Equal(["Contoso"], Evaluate([new MappingRule("emails", "ADA@contoso.test", "Contoso")]));
        Assert.Equal(["ada"], Evaluate([new MappingRule("emails", "${*}@contoso.test", null)]));
        Assert.Empty(Evaluate([new MappingRule("emails", "grace@contoso.test", "Contoso")]));
    }

    [Fact]
    public void Capture_pattern_yields_the_part_matched_by_the_wildcard()
    {
        MappingRule rule = new("groups", "Bifrost Playground: ${*} Team", null);

        Assert.Equal(["Alpha"], Evaluate([rule], null, "bifrost playground: Alpha TEAM", "Other"));
        Assert.Empty(Evaluate([rule], null, "Bifrost Playground:  Team", "Playground: Beta Team"));
        Assert.Equal(["Squad Alpha"], Evaluate([new MappingRule("groups", "Bifrost Playground: ${*} Team", "Squad ${*}")], null, "Bifrost Playground: Alpha Team"));
    }

    [Fact]
    public void Every_matching_rule_applies_once_per_name()
    {
        var names = Evaluate(
            [
                new MappingRule("groups", "*", null),
                new MappingRule("title", "engineer", "Builders"),
                new MappingRule(Department, "*", null),
                new MappingRule("title", "ENGINEER", "builders"),
            ],
            new() { ["title"] = "Engineer", [Department] = "Platform" },
            "Platform", "Ops");

        Assert.Equal(["Platform", "Ops", "Builders"], names);
    }

    [Fact]
    public void Literal_without_target_and_blank_values_grant_nothing()
    {
        Assert.Empty(Evaluate([new MappingRule("title", "Engineer", null)], new() { ["title"] = "Engineer" }));
        Assert.Empty(Evaluate([new MappingRule(Department, "*", null)], new() { [Department] = "   " }));
        Assert.Empty(Evaluate([new MappingRule("", "*", null)], new() { [""] = "x" }));
    }

    [Fact]
    public void Stable_ids_depend_on_provider_kind_and_name_key()
    {
        var provider = Guid.NewGuid();
        Assert.Equal(StableIds.Team(provider, "alpha"), StableIds.Team(provider, "alpha"));
        Assert.NotEqual(StableIds.Team(provider, "alpha"), StableIds.BusinessUnit(provider, "alpha"));
        Assert.NotEqual(StableIds.Team(provider, "alpha"), StableIds.Team(Guid.NewGuid(), "alpha"));
    }
}
