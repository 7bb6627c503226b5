using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Apis;

/// <summary>RFC 7644 §3 on <c>/scim/v2/Groups</c>. The handlers are thin: <see cref="ScimGroupService"/> does the work.</summary>
internal static class ScimGroupsApi
{
    private const string Resource = ScimGroupMapping.Endpoint;

    public static RouteGroupBuilder MapScimGroupsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup($"{ScimHttpExtensions.BasePath}/{Resource}").WithTags("SCIM Groups");

        api.MapGet("/", ListGroupsAsync).WithName("ListScimGroups").WithSummary("Query groups (RFC 7644 §3.4.2)").Scim(Resource, "list");
        api.MapPost("/.search", SearchGroupsAsync).WithName("SearchScimGroups").WithSummary("Query groups with a SearchRequest (RFC 7644 §3.4.3)").Scim(Resource, "search");
        api.MapPost("/", CreateGroupAsync).WithName("CreateScimGroup").WithSummary("Create a group (RFC 7644 §3.3)").Scim(Resource, "create");
        api.MapGet("/{id}", GetGroupAsync).WithName("GetScimGroup").WithSummary("Read a group by id (RFC 7644 §3.4.1)").Scim(Resource, "get");
        api.MapPut("/{id}", ReplaceGroupAsync).WithName("ReplaceScimGroup").WithSummary("Replace a group (RFC 7644 §3.5.1)").Scim(Resource, "replace");
        api.MapPatch("/{id}", PatchGroupAsync).WithName("PatchScimGroup").WithSummary("Modify a group (RFC 7644 §3.5.2): 204, members changed set-based").Scim(Resource, "patch");
        api.MapDelete("/{id}", DeleteGroupAsync).WithName("DeleteScimGroup").WithSummary("Delete a group (RFC 7644 §3.6)").Scim(Resource, "delete");

        return api;
    }

    public static async Task<ScimJsonResult> ListGroupsAsync(HttpRequest request, ScimProvider provider, ScimGroupService groups, IOptions<ScimOptions> options, CancellationToken cancellationToken)
    {
        var query = ScimListRequest.FromQuery(request.Query, options.Value.MaxResults);
        return new ScimJsonResult(StatusCodes.Status200OK, await groups.ListAsync(provider.Id, query, ScimCall.BaseUrlOf(request), cancellationToken));
    }

    public static async Task<ScimJsonResult> SearchGroupsAsync(HttpRequest request, ScimProvider provider, ScimGroupService groups, IOptions<ScimOptions> options, CancellationToken cancellationToken)
    {
        var query = ScimListRequest.FromSearchRequest(await request.ReadScimObjectAsync(cancellationToken), options.Value.MaxResults);
        return new ScimJsonResult(StatusCodes.Status200OK, await groups.ListAsync(provider.Id, query, ScimCall.BaseUrlOf(request), cancellationToken));
    }

    public static async Task<ScimJsonResult> CreateGroupAsync(HttpRequest request, ScimProvider provider, ScimGroupService groups, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await groups.CreateAsync(provider.Id, await request.ReadScimObjectAsync(cancellationToken), ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> GetGroupAsync(string id, HttpRequest request, ScimProvider provider, ScimGroupService groups, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await groups.GetAsync(provider.Id, id, ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> ReplaceGroupAsync(string id, HttpRequest request, ScimProvider provider, ScimGroupService groups, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await groups.ReplaceAsync(provider.Id, id, await request.ReadScimObjectAsync(cancellationToken), ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> PatchGroupAsync(string id, HttpRequest request, ScimProvider provider, ScimGroupService groups, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await groups.PatchAsync(provider.Id, id, await request.ReadScimObjectAsync(cancellationToken), ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> DeleteGroupAsync(string id, HttpRequest request, ScimProvider provider, ScimGroupService groups, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await groups.DeleteAsync(provider.Id, id, ScimCall.From(request), cancellationToken));
}
