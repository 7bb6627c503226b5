using System.Net.Http.Json;
using Bifrost.Reconciliation.Graph;

namespace Bifrost.Reconciliation.Services;

/// <summary>An Entra provider reconciliation can read through Graph. The secret is never logged or reported.</summary>
public sealed record GraphProvider(Guid ProviderId, GraphCredentials Credentials);

/// <summary>Which Entra providers have Graph credentials.</summary>
public interface IGraphProviderSource
{
    Task<IReadOnlyList<GraphProvider>> GetProvidersAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Asks identity (<c>GET /internal/reconciliation/providers</c>, service discovery name <c>http://identity</c>) and
/// resolves each client secret: <c>env.NAME</c> from this process's environment, anything else as the value itself.
/// A provider whose <c>env.NAME</c> is unset is left out (its run would only fail at the token endpoint).
/// </summary>
internal sealed class IdentityGraphProviderSource(HttpClient http, ILogger<IdentityGraphProviderSource> logger) : IGraphProviderSource
{
    public async Task<IReadOnlyList<GraphProvider>> GetProvidersAsync(CancellationToken cancellationToken)
    {
        var rows = await http.GetFromJsonAsync<List<ProviderRow>>("/internal/reconciliation/providers", cancellationToken) ?? [];
        var providers = new List<GraphProvider>(rows.Count);
        foreach (var row in rows)
        {
            if (ResolveSecret(row.ClientSecret) is not { Length: > 0 } secret)
            {
                ReconciliationLog.ProviderSecretUnresolved(logger, row.ProviderId);
                continue;
            }

            providers.Add(new GraphProvider(row.ProviderId, new GraphCredentials(row.TenantId, row.ClientId, secret, row.Cloud)));
        }

        return providers;
    }

    internal static string? ResolveSecret(string? configured) =>
        configured is { } value && value.StartsWith("env.", StringComparison.Ordinal)
            ? Environment.GetEnvironmentVariable(value["env.".Length..])
            : configured;

    private sealed record ProviderRow(Guid ProviderId, string TenantId, string ClientId, string ClientSecret, string? Cloud);
}
