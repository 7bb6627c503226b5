namespace Bifrost.TeamMapping.Apis;

/// <summary>
/// The gateway authenticates admin keys and forwards the key's role as <c>X-Bifrost-Admin-Role</c> (admin|viewer),
/// stripping any inbound copy; the service has no external endpoint. Writes need the admin role.
/// </summary>
internal static class AdminAccess
{
    public const string RoleHeader = "X-Bifrost-Admin-Role";

    public static RouteHandlerBuilder RequireAdminRole(this RouteHandlerBuilder builder) => builder
        .AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.Headers[RoleHeader] == "admin"
                ? await next(context)
                : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: "This operation needs the admin role."))
        .ProducesProblem(StatusCodes.Status403Forbidden);
}
