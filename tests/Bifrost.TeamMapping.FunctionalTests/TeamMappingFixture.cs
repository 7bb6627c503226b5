using Bifrost.Contracts.Governance;
using Bifrost.Testing;
using Bifrost.TeamMapping.Infrastructure;
using MassTransit.Testing;

namespace Bifrost.TeamMapping.FunctionalTests;

public sealed class TeamMappingFixture() : ServiceFactory<Program, TeamMappingDbContext>("teammappingdb")
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Bifrost:Recomputation:PollInterval", "00:00:00.100"),
    ];

    /// <summary>A client as the gateway forwards an admin key (<c>X-Bifrost-Admin-Role: admin</c>).</summary>
    public HttpClient AdminClient(string role = "admin")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Admin-Role", role);
        return client;
    }
}

internal static class HarnessExtensions
{
    /// <summary>Waits until an event matching <paramref name="filter"/> is published (the outbox relay publishes after the commit), and returns it.</summary>
    public static async Task<T> PublishedAsync<T>(this ITestHarness harness, Func<T, bool> filter, int seconds = 15) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await harness.Published.Any<T>(m => filter(m.Context.Message), TestContext.Current.CancellationToken))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{typeof(T).Name} was not published");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return harness.Published.Select<T>(TestContext.Current.CancellationToken).Select(m => m.Context.Message).Last(filter);
    }

    public static List<T> PublishedNow<T>(this ITestHarness harness, Func<T, bool> filter) where T : class =>
        [.. harness.Published.Select<T>(TestContext.Current.CancellationToken).Select(m => m.Context.Message).Where(filter)];

    /// <summary>Waits until a user's affiliation report matching <paramref name="filter"/> is published (inside a <see cref="UserAffiliationsReported"/>), and returns the last one.</summary>
    public static async Task<UserAffiliationsChanged> ReportedAsync(this ITestHarness harness, Func<UserAffiliationsChanged, bool> filter, int seconds = 15)
    {
        await harness.PublishedAsync<UserAffiliationsReported>(m => m.Reports.Any(filter), seconds);
        return harness.ReportedNow(filter)[^1];
    }

    /// <summary>Every user affiliation report published so far that matches <paramref name="filter"/>, in publish order.</summary>
    public static List<UserAffiliationsChanged> ReportedNow(this ITestHarness harness, Func<UserAffiliationsChanged, bool> filter) =>
        [.. harness.PublishedNow<UserAffiliationsReported>(_ => true).SelectMany(m => m.Reports).Where(filter)];
}

internal static class DeliveryExtensions
{
    /// <summary><see cref="ServiceFactory{TProgram,TDbContext}.DeliverAsync{T}"/> for a message whose type is known only at run time.</summary>
    public static Task DeliverAnyAsync(this TeamMappingFixture fixture, object message, Guid? messageId = null, int deliveries = 1) =>
        (Task)typeof(TeamMappingFixture).GetMethod(nameof(TeamMappingFixture.DeliverAsync))!.MakeGenericMethod(message.GetType())
            .Invoke(fixture, [message, messageId, deliveries, null])!;
}
