using System.ComponentModel.DataAnnotations;

namespace Bifrost.Reconciliation.Extensions;

/// <summary>Section <c>Bifrost:Reconciliation</c>.</summary>
public sealed class ReconciliationOptions
{
    /// <summary>Time between scheduled runs (24 h by default).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Run once when the service starts.</summary>
    public bool RunOnStartup { get; set; } = true;

    /// <summary>Repairs sent to ingestion at once.</summary>
    [Range(1, 64)]
    public int RepairConcurrency { get; set; } = 8;

    /// <summary>Per-group reads (Graph members, ingestion members) in flight at once.</summary>
    [Range(1, 64)]
    public int GraphConcurrency { get; set; } = 8;

    /// <summary>Per provider (keyed by provider id): the scope and the enterprise app's service principal.</summary>
    public Dictionary<string, ProviderScopeOptions> Providers { get; set; } = [];

    public ProviderScope ScopeOf(Guid providerId)
    {
        var configured = Providers.FirstOrDefault(p => Guid.TryParse(p.Key, out var id) && id == providerId).Value ?? new ProviderScopeOptions();
        if (string.Equals(configured.Scope, "all", StringComparison.OrdinalIgnoreCase))
        {
            return new ProviderScope(true, null);
        }

        return configured.ServicePrincipalId is { } sp && sp != Guid.Empty
            ? new ProviderScope(false, sp)
            : throw new ReconciliationConfigurationException(
                $"provider {providerId}: the assigned scope needs Bifrost:Reconciliation:Providers:{providerId}:ServicePrincipalId (the enterprise app's object id), or Scope 'all'");
    }
}

public sealed class ProviderScopeOptions
{
    /// <summary><c>assigned</c> (users and groups assigned to the enterprise app, the default) or <c>all</c>.</summary>
    public string Scope { get; set; } = "assigned";

    public Guid? ServicePrincipalId { get; set; }
}

public sealed record ProviderScope(bool All, Guid? ServicePrincipalId);

public sealed class ReconciliationConfigurationException(string message) : Exception(message);
