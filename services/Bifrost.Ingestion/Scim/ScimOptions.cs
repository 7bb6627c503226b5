using System.ComponentModel.DataAnnotations;

namespace Bifrost.Ingestion.Scim;

/// <summary>SCIM limits (configuration section <c>Bifrost:Scim</c>); <c>/ServiceProviderConfig</c> advertises them.</summary>
internal sealed class ScimOptions
{
    public const string Section = "Bifrost:Scim";

    /// <summary>Largest page a query returns (<c>filter.maxResults</c>); a larger <c>count</c> is capped to it, as RFC 7644 §3.4.2.4 allows.</summary>
    [Range(1, 10_000)]
    public int MaxResults { get; set; } = 200;

    /// <summary>
    /// Most rows a filter that cannot be answered from indexes alone may examine (after the indexed part of the filter
    /// has narrowed the candidates); beyond it the query fails with 400 <c>tooMany</c>.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxFilterScan { get; set; } = 100_000;

    /// <summary>Largest request body outside <c>/Bulk</c> (413 above it). 8 MiB holds a PUT of a group with ~100,000 members.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary><c>bulk.maxOperations</c>.</summary>
    [Range(1, 100_000)]
    public int BulkMaxOperations { get; set; } = 1000;

    /// <summary><c>bulk.maxPayloadSize</c> in bytes.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int BulkMaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Most user writes (creates; PUTs and PATCHes) committed in one transaction: writes that arrive while others are
    /// being written are committed together (<see cref="Services.ScimBatcher{TRequest, TResult}"/>). 1 writes each
    /// on its own.
    /// </summary>
    [Range(1, 1000)]
    public int WriteBatchSize { get; set; } = 64;

    /// <summary>Batches written at the same time, per kind of write (each on its own connection).</summary>
    [Range(1, 16)]
    public int WriteBatchWriters { get; set; } = 2;

    /// <summary>
    /// Most <c>userName eq</c> lookups (Entra's matching query) answered by one query: lookups that arrive while others
    /// are being read are read together (<see cref="Services.ScimUserLookupBatcher"/>). 1 reads each on its own.
    /// </summary>
    [Range(1, 1000)]
    public int LookupBatchSize { get; set; } = 64;

    /// <summary>Lookup batches read at the same time (each on its own connection).</summary>
    [Range(1, 16)]
    public int LookupBatchReaders { get; set; } = 2;

    /// <summary>
    /// Group writes (create, PUT, PATCH, DELETE) in flight at once; the others wait in memory, not on a database
    /// connection. A group write holds its connection for its whole transaction, so without a cap a large group sync
    /// fills the pool and user writes and reads queue behind it (<see cref="Services.ScimGroupWriteGate"/>).
    /// </summary>
    [Range(1, 64)]
    public int GroupWriteConcurrency { get; set; } = 4;

    /// <summary>Member ids per <c>ScimGroupMembersAdded</c>/<c>ScimGroupMembersRemoved</c> event.</summary>
    [Range(1, 100_000)]
    public int MemberEventBatchSize { get; set; } = 1000;

    public ScimServiceProviderSettings ToServiceProviderSettings() => new()
    {
        BulkSupported = true,
        BulkMaxOperations = BulkMaxOperations,
        BulkMaxPayloadSize = BulkMaxPayloadBytes,
        FilterSupported = true,
        FilterMaxResults = MaxResults,
        SortSupported = true,
        EtagSupported = true,
    };
}
