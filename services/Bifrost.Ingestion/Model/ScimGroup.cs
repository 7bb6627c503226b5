using System.Text.Json.Nodes;

namespace Bifrost.Ingestion.Model;

/// <summary>
/// A SCIM Group. <see cref="Resource"/> holds every attribute except <c>members</c>, which live in
/// <see cref="ScimGroupMember"/> rows so that a group of 100,000 members is never loaded unless a response needs it.
/// </summary>
public sealed class ScimGroup
{
    public Guid Id { get; init; }
    public Guid ProviderId { get; init; }
    public string DisplayName { get; set; } = "";

    /// <summary><see cref="DisplayName"/> lower-cased: unique per provider (Entra matches groups on it).</summary>
    public string DisplayNameKey { get; set; } = "";

    public string? ExternalId { get; set; }
    public JsonObject Resource { get; set; } = [];

    /// <summary>1 on create, +1 for every change event (a membership batch counts as one change).</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastModifiedAt { get; set; }
}

/// <summary>One member of a group: a user or (first-level nesting) a group of the same provider.</summary>
public sealed class ScimGroupMember
{
    public const string UserType = "User";
    public const string GroupType = "Group";

    public Guid ProviderId { get; init; }
    public Guid GroupId { get; init; }
    public Guid MemberId { get; init; }

    /// <summary><see cref="UserType"/> or <see cref="GroupType"/>.</summary>
    public string MemberType { get; init; } = UserType;
}
