namespace Bifrost.Ingestion.Model;

/// <summary>
/// One SCIM request as ingestion answered it (decision i). Ids, codes and timings only: never a name, an e-mail, a
/// token or a body. <see cref="ResourceId"/> is a resource id (always a GUID here), never a client-chosen string.
/// </summary>
public sealed class ProvisioningLogEntry
{
    /// <summary>The two <see cref="Outcome"/>s. Constants, so a query that compares with them carries them in its SQL.</summary>
    public const string Success = "success", Failure = "failure";

    public long Id { get; init; }
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>The provider the gateway resolved from the token; null only for a request that came without one (401).</summary>
    public Guid? ProviderId { get; init; }

    public string Method { get; init; } = "";

    /// <summary><c>User</c>, <c>Group</c>, <c>Bulk</c>, <c>Search</c> (the root <c>.search</c>), <c>Discovery</c>, <c>Me</c> or <c>Unknown</c>.</summary>
    public string ResourceType { get; init; } = "";

    /// <summary>The SCIM operation (<c>create</c>, <c>get</c>, <c>list</c>, <c>search</c>, <c>patch</c>, …; <c>none</c> for an unknown route).</summary>
    public string Operation { get; init; } = "";

    public Guid? ResourceId { get; init; }

    /// <summary><c>success</c> (status below 400) or <c>failure</c>.</summary>
    public string Outcome { get; init; } = "";

    public int Status { get; init; }
    public string? ScimType { get; init; }
    public double DurationMs { get; init; }
    public string? TraceId { get; init; }
}
