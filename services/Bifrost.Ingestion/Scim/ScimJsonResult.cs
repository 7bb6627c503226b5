using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;

namespace Bifrost.Ingestion.Scim;

/// <summary>A SCIM resource answer: <c>application/scim+json</c>, optional <c>Location</c> and <c>ETag</c>.</summary>
internal sealed class ScimJsonResult(int statusCode, JsonNode body, string? location = null, string? etag = null) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = ScimConstants.MediaType;
        if (location is not null)
        {
            response.Headers.Location = location;
        }

        if (etag is not null)
        {
            response.Headers.ETag = etag;
        }

        await using var writer = new System.Text.Json.Utf8JsonWriter(response.Body);
        body.WriteTo(writer);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(JsonObject), [ScimConstants.MediaType]));
}
