using Xunit;
namespace Bifrost.Testing;

public static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until <paramref name="condition"/> holds, or fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string because)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        T last = default!;
        try
        {
            while (true)
            {
                last = await probe();
                if (condition(last))
                {
                    return last;
                }

                await Task.Delay(50, cts.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {because}. Last value: {last}");
            throw;
        }
    }
}
