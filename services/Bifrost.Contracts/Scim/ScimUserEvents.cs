namespace Bifrost.Contracts.Scim;

/// <summary>
/// The user attributes consumers need, flattened. <see cref="Attributes"/> holds every scalar SCIM attribute under its
/// exact SCIM name (<c>title</c>, <c>name.givenName</c>, <c>urn:…:enterprise:2.0:User:department</c>, custom URNs), so
/// governance can surface a provider's declared "SCIM Attribute" entries and match mapping rules against them.
/// </summary>
public sealed record ScimUserSnapshot
{
    public required string UserName { get; init; }
    public string? ExternalId { get; init; }
    public string? DisplayName { get; init; }
    public string? Email { get; init; }
    public required bool Active { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

/// <summary>A user was created through SCIM (POST, or a bulk/reconciliation create).</summary>
public sealed record ScimUserProvisioned
{
    public required Guid ProviderId { get; init; }
    public required Guid UserId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required ScimUserSnapshot User { get; init; }
}

/// <summary>A user's attributes changed (PUT or PATCH) without a change of <c>active</c>.</summary>
public sealed record ScimUserUpdated
{
    public required Guid ProviderId { get; init; }
    public required Guid UserId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required ScimUserSnapshot User { get; init; }
}

/// <summary><c>active</c> went from true to false (Entra's soft delete). The snapshot is the state after the change.</summary>
public sealed record ScimUserDeactivated
{
    public required Guid ProviderId { get; init; }
    public required Guid UserId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required ScimUserSnapshot User { get; init; }
}

/// <summary><c>active</c> went from false to true. The snapshot is the state after the change.</summary>
public sealed record ScimUserReactivated
{
    public required Guid ProviderId { get; init; }
    public required Guid UserId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required ScimUserSnapshot User { get; init; }
}

/// <summary>The user was hard-deleted through SCIM DELETE. <see cref="Version"/> is greater than any earlier version.</summary>
public sealed record ScimUserDeleted
{
    public required Guid ProviderId { get; init; }
    public required Guid UserId { get; init; }
    public required long Version { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}
