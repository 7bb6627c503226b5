using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Apis;

/// <summary>One provider's token state: the hash of its active token, or null once revoked; newest wins by version.</summary>
public sealed record ProviderTokenState(Guid ProviderId, string? TokenSha256, long Version);

public sealed record ProviderTokenSnapshot(IReadOnlyList<ProviderTokenState> Tokens);

/// <summary>
/// Service-to-service endpoints. Not routed by the gateway (which only forwards <c>/scim/v2</c> and <c>/api/…</c>) and
/// identity has no external endpoint, so only processes inside the deployment reach them.
/// </summary>
internal static class InternalProvidersApi
{
    public static RouteGroupBuilder MapInternalProvidersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/internal/providers").WithTags("Internal").ExcludeFromDescription();

        api.MapGet("/tokens", GetTokenSnapshotAsync).WithName("GetProviderTokenSnapshot")
            .WithSummary("Every provider's token state (hashes only, revocations included) for the gateways' start-up load");

        return api;
    }

    public static async Task<Ok<ProviderTokenSnapshot>> GetTokenSnapshotAsync(IdentityDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.ProvisioningTokens.AsNoTracking()
            .Select(t => new { t.ProviderId, t.TokenSha256, t.Version })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ProviderTokenSnapshot(rows
            .Select(r => new ProviderTokenState(r.ProviderId, r.TokenSha256 is null ? null : Convert.ToHexStringLower(r.TokenSha256), r.Version))
            .ToList()));
    }
}
