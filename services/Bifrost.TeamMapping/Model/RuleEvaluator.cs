using System.Security.Cryptography;
using System.Text;
using Bifrost.Contracts.Providers;
using Bifrost.Mapping;

namespace Bifrost.TeamMapping.Model;

/// <summary>
/// Team and business-unit rules <c>{attribute, value, target}</c> (domain.md §3, decisions e and f), evaluated against
/// one user. <c>attribute</c> and <c>value</c> are read and matched by the shared <see cref="MappingRules"/>, exactly as
/// role rules are: an exact-case key of the SCIM attribute snapshot, <c>emails</c> for the work e-mail, or <c>groups</c>
/// for the displayNames of the user's current SCIM groups; <c>value</c> is compared case-insensitively. A literal value grants the rule's
/// target; <c>*</c> grants the attribute value itself (or the target, when one is given); a value with <c>${*}</c>
/// (<c>Bifrost Playground: ${*} Team</c>) grants the part the wildcard matched (or the target with <c>${*}</c> replaced
/// by it). Every matching rule applies. Pure: no I/O.
/// </summary>
public static class RuleEvaluator
{
    public const string GroupsAttribute = MappingRules.Groups;
    public const string Wildcard = MappingRules.Wildcard;
    public const string Capture = MappingRules.Capture;
    public const int MaxNameLength = 200;

    /// <summary>The names the rules grant, in rule order, each once (names differing only in case are one).</summary>
    public static IReadOnlyList<string> Evaluate(IEnumerable<MappingRule> rules, RuleSubject subject)
    {
        var names = new List<string>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (string.IsNullOrWhiteSpace(rule.Attribute) || string.IsNullOrWhiteSpace(rule.Value))
            {
                continue;
            }

            foreach (var candidate in MappingRules.Values(rule.Attribute, subject))
            {
                if (Match(rule, candidate)?.Trim() is { Length: > 0 and <= MaxNameLength } name && keys.Add(Key(name)))
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    /// <summary>The name <paramref name="rule"/> grants for <paramref name="value"/>, or null when it does not match.</summary>
    public static string? Match(MappingRule rule, string value)
    {
        if (!MappingRules.TryMatch(rule.Value, value, out var captured))
        {
            return null;
        }

        var target = rule.Target?.Trim() ?? "";
        if (captured is null)
        {
            // A literal value grants the rule's target only.
            return target.Length == 0 ? null : target;
        }

        return target.Length == 0 ? captured : target.Replace(Capture, captured, StringComparison.Ordinal);
    }

    /// <summary>The case-insensitive identity of a team or business-unit name.</summary>
    public static string Key(string name) => name.Trim().ToLowerInvariant();
}

/// <summary>
/// Ids of rule-made teams and business units, derived from (provider, kind, name key): the same name in the same
/// provider is the same entity on every path, whatever order the events arrived in.
/// </summary>
public static class StableIds
{
    public static Guid Team(Guid providerId, string nameKey) => Derive(providerId, "team", nameKey);

    public static Guid BusinessUnit(Guid providerId, string nameKey) => Derive(providerId, "business-unit", nameKey);

    private static Guid Derive(Guid providerId, string kind, string nameKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{providerId:N}/{kind}/{nameKey}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // version 8 (name-based, custom hash)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }
}
