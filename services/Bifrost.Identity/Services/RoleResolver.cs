using Bifrost.Mapping;

namespace Bifrost.Identity.Services;

public sealed record RoleDecision(string Role, RoleReason Reason);

/// <summary>
/// Decision d, as a pure function. A rule <c>{attribute, value, role}</c> matches when one of the values its attribute
/// names for the user (<see cref="MappingRules.Values"/>: <c>groups</c>, <c>emails</c>, or an exact-case SCIM attribute)
/// matches <c>value</c> (<see cref="MappingRules.TryMatch"/>: case-insensitive, <c>*</c>, <c>${*}</c> patterns): the same
/// reading and matching as team and business-unit rules.
/// mostPermissions picks the most privileged matching role (admin &gt; developer &gt; viewer; the earliest rule on a
/// tie); firstMatch the first matching rule in list order. No match: no role.
/// </summary>
public static class RoleResolver
{
    public const string Groups = MappingRules.Groups;
    public const string Emails = MappingRules.Emails;

    public static RoleDecision? Resolve(ProviderMappings mappings, long mappingsVersion, RuleSubject subject)
    {
        var strategy = ProviderValidation.StrategyName(mappings.RoleResolutionStrategy);
        RoleDecision? best = null;
        for (var i = 0; i < mappings.RoleRules.Count; i++)
        {
            var rule = mappings.RoleRules[i];
            var rank = Rank(rule.Role);
            if (rank < 0 || Match(rule, subject) is not { } matched)
            {
                continue;
            }

            var decision = new RoleDecision(rule.Role, new RoleReason(i, rule.Attribute, rule.Value, matched, strategy, mappingsVersion));
            if (mappings.RoleResolutionStrategy == RoleResolutionStrategy.FirstMatch)
            {
                return decision;
            }

            if (best is null || rank > Rank(best.Role))
            {
                best = decision;
            }
        }

        return best;
    }

    /// <summary>Whether any role rule reads the user's groups: only then can a membership or a group name change a role.</summary>
    public static bool ReadsGroups(ProviderMappings mappings) => mappings.RoleRules.Any(r => r.Attribute == Groups);

    /// <summary>admin 2, developer 1, viewer 0; anything else -1 (never matches).</summary>
    public static int Rank(string? role) => role switch
    {
        "admin" => 2,
        "developer" => 1,
        "viewer" => 0,
        _ => -1,
    };

    /// <summary>The user's value the rule matched, or null. Among several values (groups) the first in ordinal order.</summary>
    private static string? Match(RoleRule rule, RuleSubject subject)
    {
        string? matched = null;
        foreach (var candidate in MappingRules.Values(rule.Attribute, subject))
        {
            if (MappingRules.TryMatch(rule.Value, candidate, out _) && (matched is null || string.CompareOrdinal(candidate, matched) < 0))
            {
                matched = candidate;
            }
        }

        return matched;
    }
}
