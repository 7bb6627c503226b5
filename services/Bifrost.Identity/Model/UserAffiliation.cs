namespace Bifrost.Identity.Model;

public enum AffiliationKind
{
    Team,
    BusinessUnit,
}

/// <summary>
/// A team or business unit of a user, as team-mapping last reported it, with every source that grants it, and the version
/// of the report that wrote it. No sources: the user has left it (kept so that an older report arriving late cannot bring
/// it back; a complete report clears these).
/// </summary>
public sealed class UserAffiliation
{
    public Guid UserId { get; init; }
    public AffiliationKind Kind { get; init; }
    public Guid TargetId { get; init; }
    public string Name { get; set; } = "";
    public string[] Sources { get; set; } = [];
    public long Version { get; set; }
}

/// <summary>
/// Per user, the version of the last complete <c>UserAffiliationsChanged</c> applied: it replaced everything older, so any
/// report of this version or older is ignored.
/// </summary>
public sealed class UserAffiliationState
{
    public Guid UserId { get; init; }
    public Guid ProviderId { get; init; }
    public long Version { get; set; }
}
