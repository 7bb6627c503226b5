namespace Bifrost.Scim;

/// <summary>What <c>/ServiceProviderConfig</c> advertises (RFC 7643 §5). PATCH is always supported, changePassword never.</summary>
public sealed record ScimServiceProviderSettings
{
    public string? DocumentationUri { get; init; }
    public bool BulkSupported { get; init; } = true;
    public int BulkMaxOperations { get; init; } = 1000;
    public int BulkMaxPayloadSize { get; init; } = 1_048_576;
    public bool FilterSupported { get; init; } = true;
    public int FilterMaxResults { get; init; } = 200;
    public bool SortSupported { get; init; } = true;
    public bool EtagSupported { get; init; } = true;
    public string? AuthenticationDocumentationUri { get; init; }
}
