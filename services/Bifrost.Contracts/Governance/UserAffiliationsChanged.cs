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
/// Team-mapping's current view of one user's teams and business units, reported (in a
/// <see cref="UserAffiliationsReported"/>) whenever it changes (SCIM group membership, attribute-mapping rules, manual
/// membership, team rename or archive). Carries the complete lists, so a consumer replaces what it had;
/// <see cref="Version"/> grows with every change for the user and a consumer ignores anything older than what it holds.
/// </summary>
public sealed record UserAffiliationsChanged
{
    public required Guid ProviderId { get; init; }
    public required Guid UserId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public IReadOnlyList<Affiliation> Teams { get; init; } = [];
    public IReadOnlyList<Affiliation> BusinessUnits { get; init; } = [];
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
