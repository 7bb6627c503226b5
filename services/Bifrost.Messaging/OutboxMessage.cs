using System.Diagnostics;
using System.Text.Json;

namespace Bifrost.Messaging;

/// <summary>
/// An integration event waiting to be published, written in the same transaction as the change it describes.
/// <see cref="Id"/> becomes the event's <see cref="BatchedEvent{T}.MessageId"/>, so a consumer's inbox recognises a re-publish.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; private init; }

    /// <summary>Commit order within one database; the relay publishes oldest first.</summary>
    public long Sequence { get; private init; }

    /// <summary>Assembly-qualified contract type name (without version), resolved by the relay.</summary>
    public string MessageType { get; private init; } = "";

    public string Payload { get; private init; } = "";

    public DateTimeOffset OccurredAt { get; private init; }

    /// <summary>W3C <c>traceparent</c> of the request that caused the change, so the publish joins its trace.</summary>
    public string? TraceParent { get; private init; }

    public string? TraceState { get; private init; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    /// <summary>Set when the row can never be published (unknown type, unreadable payload); kept for an operator.</summary>
    public DateTimeOffset? ParkedAt { get; set; }

    /// <summary>The event object itself while this process holds it (not mapped): the dispatcher publishes it without a round trip through JSON.</summary>
    internal object? Event { get; private init; }

    internal static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The contract's name as stored, worked out once per type (<c>Assembly.GetName</c> allocates on every call).</summary>
    private static class TypeName<T>
    {
        public static readonly string Value = $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}";
    }

    public static OutboxMessage Create<T>(T message, TimeProvider timeProvider) where T : class
    {
        var activity = Activity.Current;
        return new OutboxMessage
        {
            Id = Guid.CreateVersion7(),
            MessageType = TypeName<T>.Value,
            Payload = JsonSerializer.Serialize(message, SerializerOptions),
            OccurredAt = timeProvider.GetUtcNow(),
            TraceParent = activity?.Id is { } id && activity.IdFormat == ActivityIdFormat.W3C ? id : null,
            TraceState = activity?.TraceStateString,
            Event = message,
        };
    }
}

/// <summary>A message a consumer has already applied (RFC-less "inbox"): key (message id, consumer).</summary>
public sealed class InboxMessage
{
    public Guid MessageId { get; init; }
    public string Consumer { get; init; } = "";
    public DateTimeOffset ProcessedAt { get; init; }
}
