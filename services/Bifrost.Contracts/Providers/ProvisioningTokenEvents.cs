namespace Bifrost.Contracts.Providers;

/// <summary>
/// A provider's SCIM provisioning token was issued: SCIM enabled, the token rotated, or seeded from configuration.
/// <see cref="TokenSha256"/> (lower-case hex) replaces any earlier token of the provider, which stops working at once.
/// <see cref="Version"/> grows with every token change of the provider, so a consumer keeps the newest state whatever
/// the delivery order. The token itself never leaves identity.
/// </summary>
public sealed record ProvisioningTokenIssued
{
    public required Guid ProviderId { get; init; }
    public required string TokenSha256 { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset IssuedAt { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A provider's provisioning token was revoked (SCIM disabled or the provider deleted): it no longer has one.</summary>
public sealed record ProvisioningTokenRevoked
{
    public required Guid ProviderId { get; init; }
    public required long Version { get; init; }

    /// <summary>True when the provider itself was deleted.</summary>
    public bool ProviderDeleted { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}
