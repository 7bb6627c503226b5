using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bifrost.Messaging;

internal static class MessagingTelemetry
{
    public const string Name = "Bifrost.Messaging";
    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// A span in the trace of the change that caused <paramref name="e"/>, for the consumer's handling of it: an event
    /// travels in a batch with others, so the consumer's receive span belongs to the first event's trace only. Null when
    /// nothing samples it.
    /// </summary>
    public static Activity? StartApply<T>(BatchedEvent<T> e, string consumer) where T : class
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(e.TraceParent, e.TraceState, out var parent);
        var activity = Source.StartActivity($"{consumer} {typeof(T).Name}", ActivityKind.Consumer, parent);
        if (activity?.IsAllDataRequested == true)
        {
            activity.SetTag("messaging.message.id", e.MessageId);
            activity.SetTag("messaging.message.type", typeof(T).Name);
            activity.SetTag("messaging.consumer.group.name", consumer);
        }

        return activity;
    }
}

/// <summary>Outbox and inbox metrics (meter <c>Bifrost.Messaging</c>).</summary>
public sealed class MessagingMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _publishFailures;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _duplicates;

    public MessagingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MessagingTelemetry.Name);
        _published = meter.CreateCounter<long>("bifrost.outbox.published", "{message}", "Outbox messages confirmed by the broker");
        _publishFailures = meter.CreateCounter<long>("bifrost.outbox.publish_failures", "{failure}", "Failed publish attempts (the message stays queued)");
        _lag = meter.CreateHistogram<double>("bifrost.outbox.lag", "s", "Time from the change to the broker's confirmation");
        _duplicates = meter.CreateCounter<long>("bifrost.inbox.duplicates", "{message}", "Redelivered messages the inbox skipped");
    }

    public void Published(TimeSpan lag)
    {
        _published.Add(1);
        _lag.Record(lag.TotalSeconds);
    }

    public void PublishFailed() => _publishFailures.Add(1);

    public void DuplicateSkipped(int count = 1) => _duplicates.Add(count);
}
