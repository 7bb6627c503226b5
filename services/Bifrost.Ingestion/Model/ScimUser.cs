using System.Text.Json.Nodes;

namespace Bifrost.Ingestion.Model;

/// <summary>
/// A SCIM User as a provider sent it. <see cref="Resource"/> is the whole normalised resource (every attribute, custom
/// extensions included, without <c>id</c>, <c>meta</c> and <c>groups</c>); the other columns are the attributes clients
/// filter on, kept for indexes.
/// </summary>
public sealed class ScimUser
{
    public Guid Id { get; init; }
    public Guid ProviderId { get; init; }
    public string UserName { get; set; } = "";

    /// <summary><see cref="UserName"/> lower-cased: userName is unique per provider and compared case-insensitively.</summary>
    public string UserNameKey { get; set; } = "";

    public string? ExternalId { get; set; }
    public string? DisplayName { get; set; }

    /// <summary><see cref="DisplayName"/> lower-cased (displayName is compared case-insensitively).</summary>
    public string? DisplayNameKey { get; set; }

    /// <summary>The work e-mail value (else the primary, else the first), lower-cased for matching.</summary>
    public string? EmailKey { get; set; }

    /// <summary>
    /// Every e-mail value of the user, lower-cased and distinct (GIN-indexed): e-mail filters find their candidates here
    /// whatever the type, then the evaluator confirms the type. Users with proxy addresses have several.
    /// </summary>
    public string[] EmailKeys { get; set; } = [];

    public bool Active { get; set; }
    public JsonObject Resource { get; set; } = [];

    /// <summary>Per-resource version: 1 on create, +1 on every change. It is <c>meta.version</c> and the events' version.</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastModifiedAt { get; set; }
}
