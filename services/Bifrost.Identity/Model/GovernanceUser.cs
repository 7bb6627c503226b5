namespace Bifrost.Identity.Model;

public enum UserState
{
    Active,
    Suspended,
    Deleted,
}

/// <summary>
/// The governance view of a provisioned user. Its id is the SCIM resource id, so every event about the user lands on
/// the same row; <see cref="Version"/> is the last applied SCIM version, so stale or repeated events change nothing.
/// </summary>
public sealed class GovernanceUser
{
    public Guid Id { get; init; }
    public Guid ProviderId { get; init; }
    public string UserName { get; set; } = "";
    public string? ExternalId { get; set; }
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public UserState State { get; set; }
    public Dictionary<string, string> Attributes { get; set; } = [];

    /// <summary>admin, developer or viewer; null when no rule matches (nobody gets a role implicitly).</summary>
    public string? Role { get; set; }

    /// <summary>Why <see cref="Role"/> is what it is: the deciding rule and the value it matched. Null without a role.</summary>
    public RoleReason? RoleReason { get; set; }
    public long Version { get; set; }

    /// <summary>The SCIM version of the snapshot behind the profile fields (a delete moves <see cref="Version"/> only).</summary>
    public long SnapshotVersion { get; set; }

    /// <summary>Trace id of the SCIM request behind the last applied change: where an SRE starts following it.</summary>
    public string? LastTraceId { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// The rule that decided a role: its index in the provider's role rules, its attribute and value, the user's value it
/// matched (a group's displayName for <c>groups</c>), the strategy, and the provider mappings version it was computed with.
/// </summary>
public sealed record RoleReason(int RuleIndex, string Attribute, string Value, string MatchedValue, string Strategy, long MappingsVersion);
