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

    /// <summary>The published <typeparamref name="T"/>s matching <paramref name="filter"/> so far, in publish order.</summary>
    public static List<T> PublishedNow<T>(this ITestHarness harness, Func<T, bool> filter) where T : class =>
        [.. harness.PublishedEvents<T>().Select(e => e.Message).Where(filter)];

    /// <summary>
    /// Waits until a <typeparamref name="T"/> matching <paramref name="filter"/> has been published, and returns the first
    /// one. The outbox relay publishes after the commit, and the harness's own waits give up once the bus looks idle,
    /// so this polls.
    /// </summary>
    public static async Task<T> PublishedAsync<T>(this ITestHarness harness, Func<T, bool> filter, int seconds = 15) where T : class
    {
        var found = await Eventually.WaitAsync(
            () => Task.FromResult(harness.PublishedNow(filter)),
            matches => matches.Count > 0,
            TimeSpan.FromSeconds(seconds),
            $"a matching {typeof(T).Name} was published");
        return found[0];
    }
}
