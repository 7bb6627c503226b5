using System.Diagnostics.Metrics;

namespace Bifrost.Ingestion.Extensions;

/// <summary>Meter <c>Bifrost.Ingestion</c>: SCIM requests by resource, operation and outcome (bounded tags only).</summary>
internal sealed class IngestionMetrics
{
    public const string Name = "Bifrost.Ingestion";

    private readonly Counter<long> _requests;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _requests = meter.CreateCounter<long>("bifrost.scim.requests", "{request}", "SCIM requests handled");
    }

    public void Request(string resource, string operation, int status) =>
        _requests.Add(1,
            new KeyValuePair<string, object?>("scim.resource", resource),
            new KeyValuePair<string, object?>("scim.operation", operation),
            new KeyValuePair<string, object?>("http.response.status_code", status));
}
