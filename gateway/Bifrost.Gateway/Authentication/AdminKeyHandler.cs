using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Bifrost.Gateway.Authentication;

/// <summary>Admin API keys (<c>Authorization: Bearer &lt;key&gt;</c> on /api), each with a role.</summary>
internal sealed class AdminKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, CredentialStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!SecretHash.TryReadBearer(Request, out var key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (store.FindAdminKey(key) is not { } admin)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown admin key."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, admin.Name), new Claim(BifrostSchemes.RoleClaim, admin.Role.ToString().ToLowerInvariant())],
            Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer realm=\"admin\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "An admin key is required: Authorization: Bearer <key>.").ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
            detail: "This admin key is read-only.").ExecuteAsync(Context);
}

/// <summary>Reads (GET, HEAD, OPTIONS) need a viewer or admin key; every other method needs an admin key.</summary>
internal sealed class AdminAccessRequirement : AuthorizationHandler<AdminAccessRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminAccessRequirement requirement)
    {
        var role = context.User.FindFirst(BifrostSchemes.RoleClaim)?.Value;
        var isRead = context.Resource is HttpContext http && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        if (role == "admin" || (role == "viewer" && isRead))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
