using Bifrost.Messaging;
using MassTransit.Testing;
using Xunit;

namespace Bifrost.Testing;

/// <summary>The events a service published, as tests look for them: the relay puts them on the bus in <see cref="EventBatch{T}"/>s.</summary>
public static class HarnessEvents
{
    /// <summary>Every <typeparamref name="T"/> published so far, in publish order (a batch's events in their order).</summary>
    public static List<BatchedEvent<T>> PublishedEvents<T>(this ITestHarness harness) where T : class =>
        [.. harness.Published.Select<EventBatch<T>>(TestContext.Current.CancellationToken).SelectMany(m => m.Context.Message.Events)];
}
