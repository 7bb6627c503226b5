using System.Diagnostics;
using MassTransit;

namespace Bifrost.Messaging;

/// <summary>
/// The trace a message belongs to. The outbox relay stamps each published message with the <c>traceparent</c> of the
/// request that wrote its row, so a consumer can name the trace of each message even when it handles many of them in
/// one batch (where <see cref="Activity.Current"/> is the batch's, the first message's trace).
/// </summary>
public static class MessageTrace
{
    /// <summary>The header carrying the W3C <c>traceparent</c> of the change that caused the message.</summary>
    public const string Header = "Bifrost-Trace-Parent";

    /// <summary>The hex trace id of <paramref name="context"/>'s message, else the current activity's, else null.</summary>
    public static string? TraceId(this ConsumeContext context) =>
        context.Headers.Get<string>(Header) is { } traceParent && ActivityContext.TryParse(traceParent, null, out var parent)
            ? parent.TraceId.ToHexString()
            : Activity.Current?.TraceId.ToHexString();

    internal static void Stamp(SendContext context, string? traceParent)
    {
        if (traceParent is not null)
        {
            context.Headers.Set(Header, traceParent);
        }
    }
}
