namespace Bifrost.Contracts.Governance;

/// <summary>
/// Team-mapping's reports for the users one change touched: a group's member batch, a team rename, a rule
/// recomputation batch, a manual membership. One message carries the reports of up to a few hundred users, so a
/// 100-member PATCH costs one message, not a hundred.
/// </summary>
public sealed record UserAffiliationsReported
{
    public required IReadOnlyList<UserAffiliationsChanged> Reports { get; init; }
}

/// <summary>
/// A change to one user's teams and business units in team-mapping (SCIM group membership, attribute-mapping rules,
/// manual membership, team rename or archive, the user's deletion), reported in a <see cref="UserAffiliationsReported"/>.
/// <see cref="Version"/> grows with every report for the user. Two forms:
/// <list type="bullet">
/// <item><b>Changes only</b> (<see cref="ChangesOnly"/>; what team-mapping sends for every change but a deletion):
/// <see cref="Teams"/> and <see cref="BusinessUnits"/> hold only the entries that changed, as they are now, and
/// <see cref="LeftTeams"/> and <see cref="LeftBusinessUnits"/> the ones the user no longer has. A member added to one
/// group of a user in eighty costs one entry, not eighty. A consumer keeps a version per entry and applies an entry only
/// when it is newer than the one held, so repeated or reordered reports leave the same state.</item>
/// <item><b>Complete</b> (the default): the lists are everything the user has; a consumer replaces what it held, and
/// ignores any report of this version or older that arrives later.</item>
/// </list>
/// </summary>
public sealed record UserAffiliationsChanged
{
    public required Guid ProviderId { get; init; }
    public required Guid UserId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>False (the default): <see cref="Teams"/> and <see cref="BusinessUnits"/> are complete. True: they hold only what changed.</summary>
    public bool ChangesOnly { get; init; }
    public IReadOnlyList<Affiliation> Teams { get; init; } = [];
    public IReadOnlyList<Affiliation> BusinessUnits { get; init; } = [];

    /// <summary>With <see cref="ChangesOnly"/>: the teams the user no longer belongs to.</summary>
    public IReadOnlyList<Guid> LeftTeams { get; init; } = [];

    /// <summary>With <see cref="ChangesOnly"/>: the business units the user no longer belongs to.</summary>
    public IReadOnlyList<Guid> LeftBusinessUnits { get; init; } = [];
}

/// <summary>A team or business unit a user belongs to, with every source that grants it.</summary>
/// <param name="Sources">Any of <see cref="AffiliationSources"/>.</param>
public sealed record Affiliation(Guid Id, string Name, IReadOnlyList<string> Sources);

/// <summary>Where a membership came from (decision e). A sync adds and removes only memberships of its own source.</summary>
public static class AffiliationSources
{
    public const string Manual = "manual";
    public const string ScimGroup = "scimGroup";
    public const string AttributeMapping = "attributeMapping";
}
