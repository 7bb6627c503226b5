namespace Bifrost.TeamMapping.Model;

public enum MappedUserState
{
    Active,
    Suspended,
    Deleted,
}

/// <summary>
/// What team-mapping knows of a SCIM user: the flattened attribute snapshot and work e-mail the rules match, the state (decision c) and
/// the last SCIM version applied (0 for a placeholder made by a group membership that overtook the user's creation).
/// <see cref="AffiliationsVersion"/> is the version of the last published <c>UserAffiliationsChanged</c> for the user.
/// </summary>
public sealed class MappedUser
{
    public Guid Id { get; init; }
    public Guid ProviderId { get; init; }
    public MappedUserState State { get; set; }
    public long Version { get; set; }
    public Dictionary<string, string> Attributes { get; set; } = [];

    /// <summary>The work e-mail, what rules on <c>emails</c> read (null for a placeholder or a deleted user).</summary>
    public string? Email { get; set; }
    public long AffiliationsVersion { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>What the rules read of this user, with the names of their current SCIM groups.</summary>
    public Bifrost.Mapping.RuleSubject RuleSubject(IReadOnlyCollection<string> groups) => new(Attributes, Email, groups);
}
