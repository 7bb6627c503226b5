namespace Bifrost.Ingestion.Apis;

internal static class ScimApi
{
    /// <summary>Every SCIM endpoint under <c>/scim/v2</c>.</summary>
    public static IEndpointRouteBuilder MapScimApi(this IEndpointRouteBuilder app)
    {
        app.MapScimUsersApi();
        app.MapScimGroupsApi();
        app.MapScimDiscoveryApi();
        app.MapScimBulkApi();
        return app;
    }
}
