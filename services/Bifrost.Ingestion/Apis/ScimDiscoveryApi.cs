using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Apis;

/// <summary>
/// Discovery (RFC 7644 §4: <c>/ServiceProviderConfig</c>, <c>/ResourceTypes</c>, <c>/Schemas</c>), the server-root
/// <c>POST /.search</c> (§3.4.3) and <c>/Me</c> (§3.11, not supported: 501).
/// </summary>
internal static class ScimDiscoveryApi
{
    public static RouteGroupBuilder MapScimDiscoveryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(ScimHttpExtensions.BasePath).WithTags("SCIM Discovery");

        api.MapGet("/ServiceProviderConfig", GetServiceProviderConfig).WithName("GetScimServiceProviderConfig").Scim("ServiceProviderConfig", "get");
        api.MapGet("/ResourceTypes", ListResourceTypes).WithName("ListScimResourceTypes").Scim("ResourceTypes", "list");
        api.MapGet("/ResourceTypes/{id}", GetResourceType).WithName("GetScimResourceType").Scim("ResourceTypes", "get");
        api.MapGet("/Schemas", ListSchemas).WithName("ListScimSchemas").Scim("Schemas", "list");
        api.MapGet("/Schemas/{id}", GetSchema).WithName("GetScimSchema").Scim("Schemas", "get");
        api.MapPost("/.search", SearchAllAsync).WithName("SearchScimResources").WithSummary("Query users and groups together (RFC 7644 §3.4.3)").Scim("root", "search");
        api.MapMethods("/Me", ["GET", "POST", "PUT", "PATCH", "DELETE"], Me).WithName("ScimMe").Scim("Me", "any");

        return api;
    }

    public static ScimJsonResult GetServiceProviderConfig(HttpRequest request, IOptions<ScimOptions> options) =>
        new(StatusCodes.Status200OK, ScimDiscovery.ServiceProviderConfig(options.Value.ToServiceProviderSettings(), ScimCall.BaseUrlOf(request)));

    public static ScimJsonResult ListResourceTypes(HttpRequest request) =>
        new(StatusCodes.Status200OK, ScimDiscovery.ResourceTypesList(ScimCall.BaseUrlOf(request)));

    public static ScimJsonResult GetResourceType(string id, HttpRequest request) =>
        ScimResourceType.Find(id) is { } type
            ? new(StatusCodes.Status200OK, ScimDiscovery.ResourceType(type, ScimCall.BaseUrlOf(request)))
            : throw new ScimException(HttpStatusCode.NotFound, $"Resource type {id} not found.");

    public static ScimJsonResult ListSchemas(HttpRequest request) =>
        new(StatusCodes.Status200OK, ScimDiscovery.SchemasList(ScimCall.BaseUrlOf(request)));

    public static ScimJsonResult GetSchema(string id, HttpRequest request) =>
        ScimSchemas.Find(id) is { } schema
            ? new(StatusCodes.Status200OK, ScimDiscovery.Schema(schema, ScimCall.BaseUrlOf(request)))
            : throw new ScimException(HttpStatusCode.NotFound, $"Schema {id} not found.");

    public static ScimJsonResult Me() =>
        throw new ScimException(HttpStatusCode.NotImplemented, "/Me is not supported: provisioning clients authenticate as a provider, not as a user.");

    /// <summary>
    /// A query over every resource type: users (in their order) followed by groups (in theirs), paged across both;
    /// <c>totalResults</c> is the sum. Each resource type evaluates the filter against its own schema.
    /// </summary>
    public static async Task<ScimJsonResult> SearchAllAsync(HttpRequest request, ScimProvider provider, ScimUserService users, ScimGroupService groups,
        IOptions<ScimOptions> options, CancellationToken cancellationToken)
    {
        var query = ScimListRequest.FromSearchRequest(await request.ReadScimObjectAsync(cancellationToken), options.Value.MaxResults);
        var baseUrl = ScimCall.BaseUrlOf(request);
        var userPage = await users.ListAsync(provider.Id, query, baseUrl, cancellationToken);
        var userTotal = userPage["totalResults"]!.GetValue<int>();
        var userResources = Detach(userPage);
        var groupQuery = query with
        {
            StartIndex = Math.Max(1, query.StartIndex - userTotal),
            Count = query.Count - userResources.Count,
        };
        var groupPage = await groups.ListAsync(provider.Id, groupQuery, baseUrl, cancellationToken);
        var resources = userResources.Concat(Detach(groupPage));
        return new ScimJsonResult(StatusCodes.Status200OK,
            ScimListResponse.Create(resources, userTotal + groupPage["totalResults"]!.GetValue<int>(), query.StartIndex));
    }

    private static List<JsonNode> Detach(JsonObject listResponse)
    {
        var array = (JsonArray)listResponse["Resources"]!;
        var items = array.OfType<JsonNode>().ToList();
        array.Clear();
        return items;
    }
}
