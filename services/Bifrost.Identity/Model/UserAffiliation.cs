namespace Bifrost.Identity.Model;

public enum AffiliationKind
{
    Team,
    BusinessUnit,
}

/// <summary>A team or business unit of a user, as team-mapping last reported it, with every source that grants it.</summary>
public sealed class UserAffiliation
{
    public Guid UserId { get; init; }
    public AffiliationKind Kind { get; init; }
    public Guid TargetId { get; init; }
    public string Name { get; set; } = "";
    public string[] Sources { get; set; } = [];
}

/// <summary>The version of the last applied <c>UserAffiliationsChanged</c> per user: older reports are ignored.</summary>
public sealed class UserAffiliationState
{
    public Guid UserId { get; init; }
    public Guid ProviderId { get; init; }
    public long Version { get; set; }
}
