using System.Net;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Apis;

/// <summary><c>POST /scim/v2/Bulk</c> (RFC 7644 §3.7): user and group operations with <c>bulkId</c> references and <c>failOnErrors</c>.</summary>
internal static class ScimBulkApi
{
    public static RouteHandlerBuilder MapScimBulkApi(this IEndpointRouteBuilder app) =>
        app.MapPost($"{ScimHttpExtensions.BasePath}/Bulk", BulkAsync)
            .WithTags("SCIM Bulk").WithName("ScimBulk").WithSummary("Run several operations in one request (RFC 7644 §3.7)")
            .Scim("Bulk", "bulk");

    public static async Task<ScimJsonResult> BulkAsync(HttpRequest request, ScimProvider provider, ScimBulkProcessor bulk, IOptions<ScimOptions> options, CancellationToken cancellationToken)
    {
        var body = await request.ReadScimObjectAsync(cancellationToken);
        var response = await bulk.ProcessAsync(provider.Id, body, ScimCall.BaseUrlOf(request), cancellationToken);
        return new ScimJsonResult((int)HttpStatusCode.OK, response);
    }
}
