namespace Bifrost.TeamMapping.Model;

/// <summary>
/// A team. Teams made from SCIM groups are linked by the group's id (<see cref="ScimGroupId"/>), so a rename follows
/// and a deleted group archives its team; <see cref="ScimGroupVersion"/> is the last group version applied.
/// Manual teams (admin API) have no group.
/// </summary>
public sealed class Team
{
    public Guid Id { get; init; }
    public Guid? ProviderId { get; init; }
    public string Name { get; set; } = "";

    /// <summary>Lower-cased <see cref="Name"/> for search.</summary>
    public string NameKey { get; set; } = "";

    public Guid? ScimGroupId { get; init; }
    public long ScimGroupVersion { get; set; }

    /// <summary>
    /// Group version of the name held: a rename older than a deletion still names the archived team, so the name does
    /// not depend on the order a deletion and renames arrive in.
    /// </summary>
    public long NameVersion { get; set; }
    public DateTimeOffset? ArchivedAt { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    public void Rename(string name)
    {
        Name = name;
        NameKey = name.ToLowerInvariant();
    }
}

/// <summary>Where a membership came from. A sync only adds and removes memberships of its own source.</summary>
public enum MembershipSource
{
    Manual,
    ScimGroup,
    AttributeMapping,
}

/// <summary>
/// One source's grant of a team to a user. SCIM-group memberships keep the group version of their last change and
/// stay as inactive rows when removed, so an older add arriving late cannot bring a removed member back.
/// </summary>
public sealed class TeamMembership
{
    public Guid TeamId { get; init; }
    public Guid UserId { get; init; }
    public MembershipSource Source { get; init; }
    public bool Active { get; set; }
    public long Version { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
