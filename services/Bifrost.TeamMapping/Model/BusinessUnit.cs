namespace Bifrost.TeamMapping.Model;

/// <summary>
/// A business unit in one provider's scope, created by a BU rule (decision f). Its id is derived from the provider and
/// the lower-cased name (<see cref="StableIds"/>), so every replica and every replay of the same events names it alike.
/// </summary>
public sealed class BusinessUnit
{
    public Guid Id { get; init; }
    public Guid ProviderId { get; init; }
    public string Name { get; set; } = "";

    /// <summary>Lower-cased <see cref="Name"/> for search and uniqueness within the provider.</summary>
    public string NameKey { get; set; } = "";

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One source's grant of a business unit to a user (<see cref="MembershipSource.AttributeMapping"/> or <see cref="MembershipSource.Manual"/>).</summary>
public sealed class BusinessUnitMembership
{
    public Guid BusinessUnitId { get; init; }
    public Guid UserId { get; init; }
    public MembershipSource Source { get; init; }
    public DateTimeOffset GrantedAt { get; init; }
}
