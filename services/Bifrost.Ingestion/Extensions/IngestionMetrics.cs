using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bifrost.Ingestion.Extensions;

/// <summary>Meter <c>Bifrost.Ingestion</c>: SCIM requests by resource, operation and outcome (bounded tags only).</summary>
internal sealed class IngestionMetrics
{
    public const string Name = "Bifrost.Ingestion";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _requests = meter.CreateCounter<long>("bifrost.scim.requests", "{request}", "SCIM requests handled");
        _duration = meter.CreateHistogram<double>("bifrost.scim.request.duration", "s", "Time to handle a SCIM request",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public void Request(string resource, string operation, int status, TimeSpan duration)
    {
        var tags = new TagList
        {
            { "scim.resource", resource },
            { "scim.operation", operation },
            { "http.response.status_code", status },
        };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }
}
