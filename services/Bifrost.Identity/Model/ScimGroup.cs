namespace Bifrost.Identity.Model;

/// <summary>
/// What identity knows of a SCIM group: its displayName (for <c>groups</c> role rules) and whether it was deleted.
/// <see cref="Version"/> is the group version of the last applied create, rename or delete. A membership event that
/// overtakes the create leaves a row without a name; a deleted group stays as a tombstone that ignores later events.
/// </summary>
public sealed class ScimGroup
{
    public Guid Id { get; init; }
    public Guid ProviderId { get; init; }
    public string? DisplayName { get; set; }
    public long Version { get; set; }
    public bool Deleted { get; set; }
}

/// <summary>
/// One user's membership of one group. <see cref="Version"/> is the group's membership version of the last change to
/// this row; a removal keeps the row inactive, so a late, older add cannot bring the member back.
/// </summary>
public sealed class GroupMembership
{
    public Guid GroupId { get; init; }
    public Guid UserId { get; init; }
    public Guid ProviderId { get; init; }
    public bool Active { get; set; }
    public long Version { get; set; }
}
