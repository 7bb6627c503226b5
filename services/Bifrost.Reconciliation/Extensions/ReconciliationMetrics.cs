using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bifrost.Reconciliation.Extensions;

/// <summary>The service's meter and activity source, both named after the assembly (<c>Bifrost.Reconciliation</c>).</summary>
public sealed class ReconciliationMetrics
{
    public const string Name = "Bifrost.Reconciliation";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _runs;
    private readonly Counter<long> _driftFound;
    private readonly Counter<long> _driftRepaired;
    private readonly Histogram<double> _duration;

    public ReconciliationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _runs = meter.CreateCounter<long>("bifrost.reconciliation.runs", "{run}", "Reconciliation runs finished, by trigger and outcome");
        _driftFound = meter.CreateCounter<long>("bifrost.reconciliation.drift", "{difference}", "Drift found, by kind");
        _driftRepaired = meter.CreateCounter<long>("bifrost.reconciliation.repaired", "{difference}", "Drift repaired through ingestion, by kind");
        _duration = meter.CreateHistogram<double>("bifrost.reconciliation.run.duration", "s", "Duration of reconciliation runs");
    }

    public void RunFinished(RunTrigger trigger, RunStatus status, bool dryRun, TimeSpan duration)
    {
        var tags = new TagList { { "trigger", Lower(trigger) }, { "outcome", Lower(status) }, { "dry_run", dryRun } };
        _runs.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void DriftFound(string kind, long count) => _driftFound.Add(count, new KeyValuePair<string, object?>("drift.kind", kind));

    public void DriftRepaired(string kind, long count) => _driftRepaired.Add(count, new KeyValuePair<string, object?>("drift.kind", kind));

    internal static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
