using System.Text.Json.Nodes;

namespace Bifrost.Ingestion.Services;

/// <summary>What a read needs of a stored user or group: the resource and the server-maintained attributes.</summary>
internal sealed record ScimRow(Guid Id, JsonObject Resource, long Version, DateTimeOffset CreatedAt, DateTimeOffset LastModifiedAt);

/// <summary>One page of a query: the rows in order and the total number of matches.</summary>
internal sealed record ScimPage(IReadOnlyList<ScimRow> Rows, int TotalResults);

/// <summary>A group a user is a direct member of.</summary>
internal sealed record ScimGroupRef(Guid Id, string DisplayName);

/// <summary>A user row read together with its groups (the hot read paths).</summary>
internal sealed record ScimUserRead(ScimRow Row, List<ScimGroupRef> Groups);

/// <summary>A user read by its userName key (a batch of lookups answers each key from these).</summary>
internal sealed record ScimUserReadByKey(string UserNameKey, ScimUserRead Read);
