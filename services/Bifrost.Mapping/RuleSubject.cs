namespace Bifrost.Mapping;

/// <summary>
/// What a mapping rule can read of one user: the flattened SCIM attribute snapshot (every scalar attribute under its
/// exact SCIM name: <c>title</c>, <c>name.givenName</c>, enterprise and custom URN paths), the work e-mail, and the
/// displayNames of the SCIM groups the user is currently a member of.
/// </summary>
public sealed record RuleSubject(IReadOnlyDictionary<string, string> Attributes, string? Email, IReadOnlyCollection<string> Groups)
{
    /// <summary>Core attributes a consumer keeps apart from the snapshot, used when the snapshot has no entry of that name.</summary>
    public string? UserName { get; init; }

    public string? DisplayName { get; init; }

    public string? ExternalId { get; init; }
}

/// <summary>The attribute names with a meaning of their own, and the value patterns.</summary>
public static class MappingRules
{
    /// <summary>The displayNames of the user's current SCIM groups (several values).</summary>
    public const string Groups = "groups";

    /// <summary>The user's work e-mail.</summary>
    public const string Emails = "emails";

    /// <summary>Matches any non-empty value.</summary>
    public const string Wildcard = "*";

    /// <summary>Inside a value, matches any non-empty text and captures it (<c>Bifrost Playground: ${*} Team</c>).</summary>
    public const string Capture = "${*}";

    /// <summary>
    /// The values <paramref name="attribute"/> names for <paramref name="subject"/>: the group names for <c>groups</c>, the
    /// work e-mail for <c>emails</c>, else the snapshot entry of that exact (case-sensitive) name, falling back to the
    /// core userName, displayName and externalId. Empty values are left out.
    /// </summary>
    public static IEnumerable<string> Values(string attribute, RuleSubject subject)
    {
        if (attribute == Groups)
        {
            return subject.Groups.Where(v => !string.IsNullOrWhiteSpace(v));
        }

        var value = attribute switch
        {
            Emails => subject.Email,
            _ when subject.Attributes.TryGetValue(attribute, out var attributeValue) => attributeValue,
            "userName" => subject.UserName,
            "displayName" => subject.DisplayName,
            "externalId" => subject.ExternalId,
            _ => null,
        };
        return string.IsNullOrWhiteSpace(value) ? [] : [value];
    }

    /// <summary>
    /// Whether <paramref name="value"/> matches <paramref name="pattern"/>: <c>*</c> matches anything, a pattern with
    /// <c>${*}</c> matches its prefix and suffix around a non-empty middle (returned in <paramref name="captured"/>),
    /// anything else must equal the value, ignoring case and surrounding spaces. <paramref name="captured"/> is the
    /// whole value for <c>*</c> and null for a literal match.
    /// </summary>
    public static bool TryMatch(string pattern, string value, out string? captured)
    {
        captured = null;
        value = value.Trim();
        pattern = pattern.Trim();
        if (value.Length == 0 || pattern.Length == 0)
        {
            return false;
        }

        if (pattern == Wildcard)
        {
            captured = value;
            return true;
        }

        if (pattern.IndexOf(Capture, StringComparison.Ordinal) is var at and >= 0)
        {
            var prefix = pattern[..at];
            var suffix = pattern[(at + Capture.Length)..];
            if (value.Length <= prefix.Length + suffix.Length
                || !value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                || !value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            captured = value[prefix.Length..^suffix.Length];
            return true;
        }

        return string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether a change from <paramref name="before"/> to <paramref name="after"/> can change what rules on <paramref name="attributes"/> read (group names aside).</summary>
    public static bool Changes(IEnumerable<string> attributes, RuleSubject before, RuleSubject after) =>
        attributes.Where(a => a != Groups).Distinct(StringComparer.Ordinal)
            .Any(a => !Values(a, before).SequenceEqual(Values(a, after), StringComparer.Ordinal));
}
