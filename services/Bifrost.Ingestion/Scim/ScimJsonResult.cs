using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;

namespace Bifrost.Ingestion.Scim;

/// <summary>
/// A SCIM answer: <c>application/scim+json</c> (when there is a body), optional <c>Location</c> and <c>ETag</c>.
/// 204 and 304 carry no body.
/// </summary>
internal sealed class ScimJsonResult(int statusCode, JsonNode? body, string? location = null, string? etag = null) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => statusCode;

    public JsonNode? Body => body;

    public string? Location => location;

    public string? ETag => etag;

    public static ScimJsonResult From(ScimResult result) => new(result.Status, result.Body, result.Location, result.ETag);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        if (location is not null)
        {
            response.Headers.Location = location;
        }

        if (etag is not null)
        {
            response.Headers.ETag = etag;
        }

        if (body is null)
        {
            return;
        }

        response.ContentType = ScimConstants.MediaType;
        await using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
        body.WriteTo(writer);
        await writer.FlushAsync(httpContext.RequestAborted);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(JsonObject), [ScimConstants.MediaType]));
}

/// <summary>The outcome of a SCIM operation, independent of HTTP so that <c>/Bulk</c> can run the same code.</summary>
internal sealed record ScimResult(int Status, JsonObject? Body = null, string? Location = null, string? ETag = null)
{
    public static ScimResult NoContent(string? etag = null) => new(StatusCodes.Status204NoContent, ETag: etag);
}
