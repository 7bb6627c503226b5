namespace Bifrost.Identity.Model;

public enum ProviderKind
{
    Entra,
    Okta,
    Generic,
}

public enum EntraCloud
{
    Commercial,
    GccHigh,
    Dod,
}

public enum RoleResolutionStrategy
{
    MostPermissions,
    FirstMatch,
}

/// <summary>
/// An identity provider (several per deployment, decision a). Its SCIM token lives in <see cref="ProvisioningToken"/>,
/// which outlives the provider so a deletion is remembered as a revocation.
/// </summary>
public sealed class IdentityProvider
{
    public Guid Id { get; init; }
    public string Name { get; set; } = "";
    public ProviderKind Kind { get; set; }
    public ProviderSettings Settings { get; set; } = new();
    public ProviderMappings Mappings { get; set; } = new();

    /// <summary>
    /// Grows with every change of <see cref="Mappings"/>; carried by <c>ProviderMappingsChanged</c>, recorded on each
    /// role decision and on the role recomputation, so a stale decision can be told from a current one.
    /// </summary>
    public long MappingsVersion { get; set; }

    /// <summary>PostgreSQL <c>xmin</c>: two concurrent updates cannot both take the same next mappings version.</summary>
    public uint RowVersion { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// Connection settings. Which fields apply depends on the kind (Entra: tenant, client, secret, cloud; Okta and generic:
/// issuer, client, secret). <see cref="ClientSecret"/> is an <c>env.NAME</c> reference or a value and is never returned.
/// </summary>
public sealed record ProviderSettings
{
    public string? TenantId { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public EntraCloud? Cloud { get; init; }
    public string? IssuerUrl { get; init; }
}

/// <summary>Attribute mapping configuration (decisions d–g). Rules keep their list order (first match uses it).</summary>
public sealed record ProviderMappings
{
    /// <summary>Declared custom SCIM attributes: exact-case names surfaced on the governance user and usable in rules.</summary>
    public IReadOnlyList<string> ScimAttributes { get; init; } = [];
    public RoleResolutionStrategy RoleResolutionStrategy { get; init; } = RoleResolutionStrategy.MostPermissions;
    public IReadOnlyList<RoleRule> RoleRules { get; init; } = [];
    public IReadOnlyList<TeamRule> TeamRules { get; init; } = [];
    public IReadOnlyList<BusinessUnitRule> BusinessUnitRules { get; init; } = [];
}

public sealed record RoleRule(string Attribute, string Value, string Role);

public sealed record TeamRule(string Attribute, string Value, string? Team);

public sealed record BusinessUnitRule(string Attribute, string Value, string? BusinessUnit);
