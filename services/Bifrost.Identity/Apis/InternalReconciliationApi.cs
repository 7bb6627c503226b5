using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Apis;

/// <summary>
/// An Entra provider's Microsoft Graph credentials, for reconciliation. <paramref name="ClientSecret"/> is as configured:
/// an <c>env.NAME</c> reference (resolved by the caller, from its own environment) or the value itself.
/// </summary>
public sealed record GraphProviderCredentials(Guid ProviderId, string TenantId, string ClientId, string ClientSecret, string Cloud);

/// <summary>
/// Service-to-service endpoint for reconciliation. Not routed by the gateway (which only forwards <c>/scim/v2</c> and
/// <c>/api/…</c>) and identity has no external endpoint, so only processes inside the deployment reach it.
/// </summary>
internal static class InternalReconciliationApi
{
    public static RouteGroupBuilder MapInternalReconciliationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/internal/reconciliation").WithTags("Internal").ExcludeFromDescription();

        api.MapGet("/providers", GetGraphProvidersAsync).WithName("GetGraphProviders")
            .WithSummary("Entra providers that have Graph credentials (tenant id, client id, client secret, cloud)");

        return api;
    }

    public static async Task<Ok<List<GraphProviderCredentials>>> GetGraphProvidersAsync(IdentityDbContext db, CancellationToken cancellationToken)
    {
        var providers = await db.Providers.AsNoTracking()
            .Where(p => p.Kind == ProviderKind.Entra)
            .OrderBy(p => p.Id)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(providers
            .Where(p => !string.IsNullOrWhiteSpace(p.Settings.TenantId) && !string.IsNullOrWhiteSpace(p.Settings.ClientId) && !string.IsNullOrEmpty(p.Settings.ClientSecret))
            .Select(p => new GraphProviderCredentials(p.Id, p.Settings.TenantId!, p.Settings.ClientId!, p.Settings.ClientSecret!, CloudName(p.Settings.Cloud)))
            .ToList());
    }

    private static string CloudName(EntraCloud? cloud) => cloud switch
    {
        EntraCloud.GccHigh => "gcc-high",
        EntraCloud.Dod => "dod",
        _ => "commercial",
    };
}
