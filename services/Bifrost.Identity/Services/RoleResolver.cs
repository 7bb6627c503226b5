namespace Bifrost.Identity.Services;

/// <summary>What a role rule can match on: the user's flattened SCIM attributes and the names of their current groups.</summary>
public sealed record RoleSubject(
    string UserName,
    string? DisplayName,
    string? Email,
    string? ExternalId,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyCollection<string> Groups);

public sealed record RoleDecision(string Role, RoleReason Reason);

/// <summary>
/// Decision d, as a pure function. A rule <c>{attribute, value, role}</c> matches when the user's value of the
/// exact-case attribute equals <c>value</c> case-insensitively, or is non-empty when <c>value</c> is <c>*</c>.
/// <c>groups</c> means the displayNames of the SCIM groups the user is currently a member of; <c>emails</c> the work
/// e-mail; any other name is looked up in the flattened SCIM attributes (core, enterprise URN paths, custom).
/// mostPermissions picks the most privileged matching role (admin &gt; developer &gt; viewer; the earliest rule on a
/// tie); firstMatch the first matching rule in list order. No match: no role.
/// </summary>
public static class RoleResolver
{
    public const string Groups = "groups";
    public const string Emails = "emails";

    public static RoleDecision? Resolve(ProviderMappings mappings, long mappingsVersion, RoleSubject subject)
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
    private static string? Match(RoleRule rule, RoleSubject subject)
    {
        string? matched = null;
        foreach (var candidate in Values(rule.Attribute, subject))
        {
            if (string.IsNullOrEmpty(candidate))
            {
                continue;
            }

            var hit = rule.Value == "*" || string.Equals(candidate, rule.Value, StringComparison.OrdinalIgnoreCase);
            if (hit && (matched is null || string.CompareOrdinal(candidate, matched) < 0))
            {
                matched = candidate;
            }
        }

        return matched;
    }

    private static IEnumerable<string?> Values(string attribute, RoleSubject subject)
    {
        switch (attribute)
        {
            case Groups:
                return subject.Groups;
            case Emails:
                return [subject.Email];
        }

        if (subject.Attributes.TryGetValue(attribute, out var value))
        {
            return [value];
        }

        return attribute switch
        {
            "userName" => [subject.UserName],
            "displayName" => [subject.DisplayName],
            "externalId" => [subject.ExternalId],
            _ => [],
        };
    }
}
