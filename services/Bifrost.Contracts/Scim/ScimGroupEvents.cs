namespace Bifrost.Contracts.Scim;

/// <summary>A group was created through SCIM. Entra creates groups empty and fills them by PATCH.</summary>
public sealed record ScimGroupCreated
{
    public required Guid ProviderId { get; init; }
    public required Guid GroupId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string DisplayName { get; init; }
    public string? ExternalId { get; init; }
}

/// <summary>The group's displayName changed.</summary>
public sealed record ScimGroupRenamed
{
    public required Guid ProviderId { get; init; }
    public required Guid GroupId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string DisplayName { get; init; }
    public string? ExternalId { get; init; }
}

/// <summary>The group was deleted; its memberships are gone with it.</summary>
public sealed record ScimGroupDeleted
{
    public required Guid ProviderId { get; init; }
    public required Guid GroupId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>
/// Members joined a group. One event per batch (bounded size), never one per member.
/// <see cref="Version"/> is the group's membership version after the change.
/// </summary>
public sealed record ScimGroupMembersAdded
{
    public required Guid ProviderId { get; init; }
    public required Guid GroupId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required IReadOnlyList<Guid> MemberIds { get; init; }
}

/// <summary>Members left a group. One event per batch (bounded size).</summary>
public sealed record ScimGroupMembersRemoved
{
    public required Guid ProviderId { get; init; }
    public required Guid GroupId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required IReadOnlyList<Guid> MemberIds { get; init; }
}
