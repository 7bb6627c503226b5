using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Apis;

/// <summary>RFC 7644 §3 on <c>/scim/v2/Users</c>. The handlers are thin: <see cref="ScimUserService"/> does the work.</summary>
internal static class ScimUsersApi
{
    private const string Resource = ScimUserMapping.Endpoint;

    public static RouteGroupBuilder MapScimUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup($"{ScimHttpExtensions.BasePath}/{Resource}").WithTags("SCIM Users");

        api.MapGet("/", ListUsersAsync).WithName("ListScimUsers").WithSummary("Query users (RFC 7644 §3.4.2)").Scim(Resource, "list");
        api.MapPost("/.search", SearchUsersAsync).WithName("SearchScimUsers").WithSummary("Query users with a SearchRequest (RFC 7644 §3.4.3)").Scim(Resource, "search");
        api.MapPost("/", CreateUserAsync).WithName("CreateScimUser").WithSummary("Create a user (RFC 7644 §3.3)").Scim(Resource, "create");
        api.MapGet("/{id}", GetUserAsync).WithName("GetScimUser").WithSummary("Read a user by id (RFC 7644 §3.4.1)").Scim(Resource, "get");
        api.MapPut("/{id}", ReplaceUserAsync).WithName("ReplaceScimUser").WithSummary("Replace a user (RFC 7644 §3.5.1)").Scim(Resource, "replace");
        api.MapPatch("/{id}", PatchUserAsync).WithName("PatchScimUser").WithSummary("Modify a user (RFC 7644 §3.5.2), Entra's dialect included").Scim(Resource, "patch");
        api.MapDelete("/{id}", DeleteUserAsync).WithName("DeleteScimUser").WithSummary("Delete a user (RFC 7644 §3.6)").Scim(Resource, "delete");

        return api;
    }

    public static async Task<ScimJsonResult> ListUsersAsync(HttpRequest request, ScimProvider provider, ScimUserService users, IOptions<ScimOptions> options, CancellationToken cancellationToken)
    {
        var query = ScimListRequest.FromQuery(request.Query, options.Value.MaxResults);
        return new ScimJsonResult(StatusCodes.Status200OK, await users.ListAsync(provider.Id, query, ScimCall.BaseUrlOf(request), cancellationToken));
    }

    public static async Task<ScimJsonResult> SearchUsersAsync(HttpRequest request, ScimProvider provider, ScimUserService users, IOptions<ScimOptions> options, CancellationToken cancellationToken)
    {
        var query = ScimListRequest.FromSearchRequest(await request.ReadScimObjectAsync(cancellationToken), options.Value.MaxResults);
        return new ScimJsonResult(StatusCodes.Status200OK, await users.ListAsync(provider.Id, query, ScimCall.BaseUrlOf(request), cancellationToken));
    }

    public static async Task<ScimJsonResult> CreateUserAsync(HttpRequest request, ScimProvider provider, ScimUserService users, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await users.CreateAsync(provider.Id, await request.ReadScimObjectAsync(cancellationToken), ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> GetUserAsync(string id, HttpRequest request, ScimProvider provider, ScimUserService users, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await users.GetAsync(provider.Id, id, ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> ReplaceUserAsync(string id, HttpRequest request, ScimProvider provider, ScimUserService users, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await users.ReplaceAsync(provider.Id, id, await request.ReadScimObjectAsync(cancellationToken), ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> PatchUserAsync(string id, HttpRequest request, ScimProvider provider, ScimUserService users, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await users.PatchAsync(provider.Id, id, await request.ReadScimObjectAsync(cancellationToken), ScimCall.From(request), cancellationToken));

    public static async Task<ScimJsonResult> DeleteUserAsync(string id, HttpRequest request, ScimProvider provider, ScimUserService users, CancellationToken cancellationToken) =>
        ScimJsonResult.From(await users.DeleteAsync(provider.Id, id, ScimCall.From(request), cancellationToken));
}
