using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Bifrost.Scim;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Bifrost.Gateway.Authentication;

/// <summary>Resolves a provisioning token to its provider. Failures answer with a SCIM error body.</summary>
internal sealed class ScimTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, CredentialStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!SecretHash.TryReadBearer(Request, out var token))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (store.FindProvider(token) is not { } provider)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown provisioning token."));
        }

        var identity = new ClaimsIdentity([new Claim(BifrostSchemes.ProviderClaim, provider.ProviderId.ToString())], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer realm=\"scim\"";
        return WriteAsync(HttpStatusCode.Unauthorized, "A valid provisioning token is required: Authorization: Bearer <token>.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteAsync(HttpStatusCode.Forbidden, "This token may not perform this operation.");

    private Task WriteAsync(HttpStatusCode status, string detail)
    {
        Response.StatusCode = (int)status;
        Response.ContentType = ScimConstants.MediaType;
        return JsonSerializer.SerializeAsync(Response.Body, ScimError.Create(status, detail), cancellationToken: Context.RequestAborted);
    }
}
