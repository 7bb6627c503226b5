using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>Section <c>Bifrost:ProvisioningLog</c>.</summary>
internal sealed class ProvisioningLogOptions
{
    public const string Section = "Bifrost:ProvisioningLog";

    /// <summary>Entries waiting to be written; when full (the database is down or far behind), new entries are dropped and counted.</summary>
    [Range(100, 10_000_000)]
    public int Capacity { get; set; } = 50_000;

    /// <summary>Most entries written by one COPY.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>How long the writer waits to fill a batch once an entry is waiting (the most an entry is delayed).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Entries older than this are purged.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>How often the purge runs (also once at start).</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// The hot-path side of the provisioning log: <see cref="Record"/> builds an entry from the finished request and puts
/// it in a bounded channel without waiting; <see cref="ProvisioningLogWriter"/> writes the channel to the database in
/// batches. An entry is lost only when the process dies before its batch is written, or when the channel is full
/// (counted in <c>bifrost.provisioning_log.dropped</c>).
/// </summary>
internal sealed class ProvisioningLog
{
    public const string ScimTypeItem = "Bifrost.ScimType";

    private readonly Channel<ProvisioningLogEntry> _channel;
    private readonly TimeProvider _time;
    private readonly Counter<long> _dropped;
    private readonly Histogram<int> _batchSize;

    public ProvisioningLog(IOptions<ProvisioningLogOptions> options, TimeProvider time, IMeterFactory meterFactory)
    {
        _channel = Channel.CreateBounded<ProvisioningLogEntry>(new BoundedChannelOptions(options.Value.Capacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
            SingleWriter = false,
        }, _ => _dropped!.Add(1));
        _time = time;
        var meter = meterFactory.Create(IngestionMetrics.Name);
        _dropped = meter.CreateCounter<long>("bifrost.provisioning_log.dropped", "{entry}", "Provisioning log entries dropped because the write queue was full");
        _batchSize = meter.CreateHistogram<int>("bifrost.provisioning_log.batch.size", "{entry}", "Entries written by one COPY",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 50, 100, 250, 500, 1000, 5000] });
    }

    public ChannelReader<ProvisioningLogEntry> Reader => _channel.Reader;

    /// <summary>Counts a batch the writer has written.</summary>
    public void Written(int entries) => _batchSize.Record(entries);

    /// <summary>Stops accepting entries (shutdown); the writer drains what is queued.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Records a finished SCIM request: the route's operation, the path or created resource id, status and scimType.</summary>
    public void Record(HttpContext context, ScimOperation operation, long startedTimestamp)
    {
        var duration = Stopwatch.GetElapsedTime(startedTimestamp);
        var status = context.Response.StatusCode;
        _channel.Writer.TryWrite(new ProvisioningLogEntry
        {
            OccurredAt = _time.GetUtcNow() - duration,
            ProviderId = ScimProvider.TryRead(context, out var provider) ? provider.Id : null,
            Method = context.Request.Method.Length <= 16 ? context.Request.Method : context.Request.Method[..16],
            ResourceType = ResourceTypeOf(operation),
            Operation = operation.Operation,
            ResourceId = ResourceIdOf(context, operation),
            Outcome = status < 400 ? ProvisioningLogEntry.Success : ProvisioningLogEntry.Failure,
            Status = status,
            ScimType = context.Items.TryGetValue(ScimTypeItem, out var scimType) ? scimType as string : null,
            DurationMs = duration.TotalMilliseconds,
            TraceId = Activity.Current is { } activity ? activity.TraceId.ToHexString() : null,
        });
    }

    private static string ResourceTypeOf(ScimOperation operation) => operation.Resource switch
    {
        ScimUserMapping.Endpoint => "User",
        ScimGroupMapping.Endpoint => "Group",
        "Bulk" => "Bulk",
        "root" => "Search",
        "Me" => "Me",
        "ServiceProviderConfig" or "ResourceTypes" or "Schemas" => "Discovery",
        _ => "Unknown",
    };

    /// <summary>
    /// The id in the path, or the created resource's id (from <c>Location</c>), for users and groups only. Ids are GUIDs;
    /// anything else in the path (which a client could fill with a user name) is not recorded.
    /// </summary>
    private static Guid? ResourceIdOf(HttpContext context, ScimOperation operation)
    {
        if (operation.Resource is not (ScimUserMapping.Endpoint or ScimGroupMapping.Endpoint))
        {
            return null;
        }

        if (context.GetRouteValue("id") is string id)
        {
            return Guid.TryParse(id, out var pathId) ? pathId : null;
        }

        var location = context.Response.Headers.Location.ToString();
        var slash = location.LastIndexOf('/');
        return slash >= 0 && Guid.TryParse(location.AsSpan(slash + 1), out var created) ? created : null;
    }
}
