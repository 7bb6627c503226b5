namespace Bifrost.Contracts.Providers;

/// <summary>
/// A provider's attribute mappings were set: at creation, on every update that changes them, when seeded, and (with
/// empty lists and <see cref="ProviderDeleted"/>) when the provider is deleted. Carries the whole current rule set, so a
/// consumer replaces what it had. <see cref="Version"/> grows with every mapping change of the provider; a consumer keeps
/// the highest version it has seen and re-evaluates its users when it moves.
/// </summary>
public sealed record ProviderMappingsChanged
{
    public required Guid ProviderId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Declared custom SCIM attribute names (exact case) surfaced on governance users and usable in rules.</summary>
    public IReadOnlyList<string> ScimAttributes { get; init; } = [];

    /// <summary>Attribute-to-team rules in list order. <see cref="MappingRule.Target"/> is the team name (empty with <c>*</c>).</summary>
    public IReadOnlyList<MappingRule> TeamRules { get; init; } = [];

    /// <summary>Attribute-to-business-unit rules in list order.</summary>
    public IReadOnlyList<MappingRule> BusinessUnitRules { get; init; } = [];

    public bool ProviderDeleted { get; init; }
}

/// <summary>
/// <c>{attribute, value, target}</c>: <see cref="Attribute"/> is an exact-case SCIM attribute name (a core attribute,
/// an enterprise-extension URN path, a declared custom attribute) or <c>groups</c> (membership of the SCIM group with that
/// displayName); <see cref="Value"/> is compared case-insensitively and may be <c>*</c> or contain one <c>${*}</c>.
/// </summary>
public sealed record MappingRule(string Attribute, string Value, string? Target);
