using Microsoft.Extensions.Primitives;

namespace Bifrost.Ingestion.Scim;

/// <summary>
/// What a SCIM operation needs from its request besides the body: the base URL for <c>Location</c>/<c>meta.location</c>,
/// the attribute selection for the answer, and the conditional headers. A <c>/Bulk</c> operation builds one too.
/// </summary>
internal sealed record ScimCall(string BaseUrl, ScimAttributeSelection Selection, StringValues IfMatch = default, StringValues IfNoneMatch = default)
{
    /// <summary>Whether the client asked for a projection (then a group PATCH answers 200 with the resource, not 204).</summary>
    public bool HasSelection => !ReferenceEquals(Selection, ScimAttributeSelection.Default);

    public static ScimCall From(HttpRequest request) => new(
        BaseUrlOf(request),
        ScimAttributeSelection.Parse(request.Query["attributes"], request.Query["excludedAttributes"]),
        request.Headers.IfMatch,
        request.Headers.IfNoneMatch);

    public static string BaseUrlOf(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{ScimHttpExtensions.BasePath}";

    public string Location(string endpoint, Guid id) => $"{BaseUrl}/{endpoint}/{id}";

    /// <summary>412 unless <c>If-Match</c> is absent or lists the current version.</summary>
    public void CheckIfMatch(long version)
    {
        if (!StringValues.IsNullOrEmpty(IfMatch) && !ScimETag.Matches(IfMatch, version))
        {
            throw new ScimException(System.Net.HttpStatusCode.PreconditionFailed,
                $"The resource is at version {ScimETag.Format(version)}, not the one in If-Match.");
        }
    }

    /// <summary>Whether <c>If-None-Match</c> lists the current version (then a GET answers 304).</summary>
    public bool NotModified(long version) => !StringValues.IsNullOrEmpty(IfNoneMatch) && ScimETag.Matches(IfNoneMatch, version);
}
