using Bifrost.Identity.Model;
using Bifrost.Identity.Services;
using Bifrost.Mapping;

namespace Bifrost.Identity.FunctionalTests;

/// <summary>Unit tests of the pure role resolution (no I/O).</summary>
public sealed class RoleResolverTests
{
    private const string Department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

    private static RuleSubject User(Dictionary<string, string>? attributes = null, string[]? groups = null, string? email = "ada@contoso.test") =>
        new(attributes ?? [], email, groups ?? []) { UserName = "ada@contoso.test", DisplayName = "Ada Lovelace", ExternalId = "ext-1" };

    private static ProviderMappings Rules(RoleResolutionStrategy strategy, params RoleRule[] rules) =>
        new() { RoleResolutionStrategy = strategy, RoleRules = rules };

    [Fact]
    public void Most_permissions_picks_the_most_privileged_match_and_says_which_rule()
    {
        var mappings = Rules(RoleResolutionStrategy.MostPermissions,
            new RoleRule("title", "engineer", "viewer"),
            new RoleRule(Department, "Platform", "admin"),
            new RoleRule("groups", "Developers", "developer"));

        var decision = RoleResolver.Resolve(mappings, 7, User(new() { ["title"] = "Engineer", [Department] = "PLATFORM" }, ["developers"]));

        Assert.Equal("admin", decision!.Role);
        Assert.Equal(new RoleReason(1, Department, "Platform", "PLATFORM", "mostPermissions", 7), decision.Reason);
    }

    [Fact]
    public void First_match_takes_the_first_matching_rule_in_list_order()
    {
        var mappings = Rules(RoleResolutionStrategy.FirstMatch,
            new RoleRule("title", "Manager", "admin"),
            new RoleRule("title", "*", "viewer"),
            new RoleRule("title", "Engineer", "admin"));

        var decision = RoleResolver.Resolve(mappings, 1, User(new() { ["title"] = "Engineer" }));

        Assert.Equal("viewer", decision!.Role);
        Assert.Equal(1, decision.Reason.RuleIndex);
        Assert.Equal("Engineer", decision.Reason.MatchedValue);
        Assert.Equal("firstMatch", decision.Reason.Strategy);
    }

    [Fact]
    public void Most_permissions_keeps_the_earliest_rule_on_a_tie()
    {
        var mappings = Rules(RoleResolutionStrategy.MostPermissions,
            new RoleRule("title", "*", "developer"),
            new RoleRule("userName", "*", "developer"));

        Assert.Equal(0, RoleResolver.Resolve(mappings, 1, User(new() { ["title"] = "Engineer" }))!.Reason.RuleIndex);
    }

    [Fact]
    public void No_matching_rule_gives_no_role()
    {
        var mappings = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule("title", "Manager", "admin"), new RoleRule("groups", "*", "viewer"));

        Assert.Null(RoleResolver.Resolve(mappings, 1, User(new() { ["title"] = "Engineer" })));
        Assert.Null(RoleResolver.Resolve(new ProviderMappings(), 1, User()));
    }

    [Fact]
    public void Wildcard_needs_a_non_empty_value()
    {
        var mappings = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule("title", "*", "viewer"));

        Assert.Null(RoleResolver.Resolve(mappings, 1, User(new() { ["title"] = "" })));
        Assert.Null(RoleResolver.Resolve(mappings, 1, User()));
        Assert.Equal("viewer", RoleResolver.Resolve(mappings, 1, User(new() { ["title"] = "x" }))!.Role);
    }

    [Fact]
    public void Attribute_names_are_exact_case_and_values_case_insensitive()
    {
        var mappings = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule("Title", "engineer", "admin"));
        Assert.Null(RoleResolver.Resolve(mappings, 1, User(new() { ["title"] = "Engineer" })));

        mappings = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule("title", "ENGINEER", "admin"));
        Assert.Equal("admin", RoleResolver.Resolve(mappings, 1, User(new() { ["title"] = "engineer" }))!.Role);
    }

    [Fact]
    public void Groups_match_the_current_group_names_and_wildcard_reports_the_first_in_order()
    {
        var mappings = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule("groups", "*", "developer"));

        var decision = RoleResolver.Resolve(mappings, 1, User(groups: ["Zeta", "Alpha"]));

        Assert.Equal("Alpha", decision!.Reason.MatchedValue);
        Assert.Null(RoleResolver.Resolve(mappings, 1, User(groups: [])));
    }

    [Fact]
    public void Emails_and_core_fields_match_without_being_in_the_attributes()
    {
        var byEmail = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule("emails", "ADA@contoso.test", "admin"));
        var byName = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule("displayName", "ada lovelace", "viewer"));

        Assert.Equal("admin", RoleResolver.Resolve(byEmail, 1, User())!.Role);
        Assert.Null(RoleResolver.Resolve(byEmail, 1, User(email: null)));
        Assert.Equal("viewer", RoleResolver.Resolve(byName, 1, User())!.Role);
    }

    [Fact]
    public void Declared_custom_attribute_matches_by_its_full_name()
    {
        const string custom = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode";
        var mappings = Rules(RoleResolutionStrategy.MostPermissions, new RoleRule(custom, "CC-1", "developer"));

        Assert.Equal("developer", RoleResolver.Resolve(mappings, 1, User(new() { [custom] = "cc-1" }))!.Role);
        Assert.Null(RoleResolver.Resolve(mappings, 1, User(new() { ["costCode"] = "CC-1" })));
    }
}
