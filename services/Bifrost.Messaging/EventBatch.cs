using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Bifrost.Messaging;

/// <summary>
/// What the outbox relay puts on the broker: the committed events of one type that one relay pass took, as one message.
/// Under load a pass takes many rows, and the broker, each consumer's transport and its pipeline then handle one message
/// for all of them instead of one per event (a SCIM create used to cost a publish, two deliveries and two acks of its
/// own). A lone change still goes out at once, as a batch of one. Each event keeps its outbox row id, which consumers'
/// inboxes key on, so a re-publish that groups the rows differently is still recognised event by event.
/// </summary>
public sealed record EventBatch<T> where T : class
{
    public required IReadOnlyList<BatchedEvent<T>> Events { get; init; }
}

/// <summary>One event of an <see cref="EventBatch{T}"/>.</summary>
public sealed record BatchedEvent<T> where T : class
{
    /// <summary>The outbox row's id: the event's identity for consumers' inboxes, however it was grouped on the wire.</summary>
    public required Guid MessageId { get; init; }

    /// <summary>W3C <c>traceparent</c> of the change that caused the event (the batch's own trace is its first event's).</summary>
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    public required T Message { get; init; }

    /// <summary>The hex trace id of the change that caused the event, if it was traced.</summary>
    public string? TraceId => ActivityContext.TryParse(TraceParent, TraceState, out var context) ? context.TraceId.ToHexString() : null;
}

/// <summary>Builds <see cref="EventBatch{T}"/>s for event types known only at run time (the relay reads them from rows).</summary>
public static class EventBatch
{
    private static readonly ConcurrentDictionary<Type, (Type BatchType, Func<IReadOnlyList<(OutboxMessage Row, object Event)>, object> Create)> s_factories = new();

    private static readonly MethodInfo s_create = typeof(EventBatch).GetMethod(nameof(Create), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The batch of <paramref name="events"/> (all of <paramref name="eventType"/>) and its message type, for <c>Publish(object, Type)</c>.</summary>
    internal static (object Message, Type MessageType) For(Type eventType, IReadOnlyList<(OutboxMessage Row, object Event)> events)
    {
        var factory = s_factories.GetOrAdd(eventType, type => (
            typeof(EventBatch<>).MakeGenericType(type),
            s_create.MakeGenericMethod(type).CreateDelegate<Func<IReadOnlyList<(OutboxMessage Row, object Event)>, object>>()));
        return (factory.Create(events), factory.BatchType);
    }

    /// <summary>A batch of one, as the relay would publish <paramref name="message"/> (tests, tools).</summary>
    public static EventBatch<T> Of<T>(T message, Guid messageId, string? traceParent = null) where T : class =>
        new() { Events = [new BatchedEvent<T> { MessageId = messageId, TraceParent = traceParent, Message = message }] };

    private static object Create<T>(IReadOnlyList<(OutboxMessage Row, object Event)> events) where T : class =>
        new EventBatch<T>
        {
            Events = [.. events.Select(e => new BatchedEvent<T> { MessageId = e.Row.Id, TraceParent = e.Row.TraceParent, TraceState = e.Row.TraceState, Message = (T)e.Event })],
        };
}
