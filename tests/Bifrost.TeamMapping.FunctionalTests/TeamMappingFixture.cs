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
    /// <summary>Waits until a user's affiliation report matching <paramref name="filter"/> is published (inside a <see cref="UserAffiliationsReported"/>), and returns the last one.</summary>
    public static async Task<UserAffiliationsChanged> ReportedAsync(this ITestHarness harness, Func<UserAffiliationsChanged, bool> filter, int seconds = 15)
    {
        await harness.PublishedAsync<UserAffiliationsReported>(m => m.Reports.Any(filter), seconds);
        return harness.ReportedNow(filter)[^1];
    }

    /// <summary>Every user affiliation report published so far that matches <paramref name="filter"/>, in publish order.</summary>
    public static List<UserAffiliationsChanged> ReportedNow(this ITestHarness harness, Func<UserAffiliationsChanged, bool> filter) =>
        [.. harness.PublishedNow<UserAffiliationsReported>(_ => true).SelectMany(m => m.Reports).Where(filter)];

    /// <summary>Waits until the user's affiliations, as a consumer of every report so far holds them, match <paramref name="until"/>.</summary>
    public static async Task<HeldAffiliations> AffiliationsAsync(this ITestHarness harness, Guid userId, Func<HeldAffiliations, bool> until, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var held = harness.AffiliationsNow(userId);
            if (until(held))
            {
                return held;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the user's reported affiliations never matched; last: {held}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// The user's affiliations as a consumer holds them after applying every report published so far in version order: a
    /// complete report replaces the lists, a changes-only one updates the entries it names and drops the ones left.
    /// Versions never repeat.
    /// </summary>
    public static HeldAffiliations AffiliationsNow(this ITestHarness harness, Guid userId) => Fold(harness.ReportedNow(r => r.UserId == userId));

    /// <summary><see cref="AffiliationsNow"/> for every user of the provider that has a report.</summary>
    public static Dictionary<Guid, HeldAffiliations> AffiliationsNowByUser(this ITestHarness harness, Guid providerId) =>
        harness.ReportedNow(r => r.ProviderId == providerId).GroupBy(r => r.UserId).ToDictionary(g => g.Key, g => Fold([.. g]));

    private static HeldAffiliations Fold(List<UserAffiliationsChanged> published)
    {
        var reports = published.OrderBy(r => r.Version).ToList();
        Assert.Equal(reports.Count, reports.Select(r => r.Version).Distinct().Count());
        var teams = new Dictionary<Guid, Affiliation>();
        var units = new Dictionary<Guid, Affiliation>();
        foreach (var report in reports)
        {
            if (!report.ChangesOnly)
            {
                teams.Clear();
                units.Clear();
            }

            foreach (var team in report.Teams)
            {
                teams[team.Id] = team;
            }

            foreach (var unit in report.BusinessUnits)
            {
                units[unit.Id] = unit;
            }

            report.LeftTeams.ToList().ForEach(id => teams.Remove(id));
            report.LeftBusinessUnits.ToList().ForEach(id => units.Remove(id));
        }

        return new HeldAffiliations(reports.Count == 0 ? 0 : reports[^1].Version, reports.Count == 0 ? Guid.Empty : reports[^1].ProviderId, Sorted(teams), Sorted(units));

        static List<Affiliation> Sorted(Dictionary<Guid, Affiliation> held) =>
            [.. held.Values.OrderBy(a => a.Name.ToLowerInvariant(), StringComparer.Ordinal).ThenBy(a => a.Id)];
    }
}

/// <summary>A user's teams and business units (sorted by name) as of report <paramref name="Version"/>.</summary>
internal sealed record HeldAffiliations(long Version, Guid ProviderId, List<Affiliation> Teams, List<Affiliation> BusinessUnits)
{
    public override string ToString() =>
        $"v{Version}: teams [{string.Join(", ", Teams.Select(t => t.Name))}], business units [{string.Join(", ", BusinessUnits.Select(b => b.Name))}]";
}

internal static class DeliveryExtensions
{
    /// <summary><see cref="ServiceFactory{TProgram,TDbContext}.DeliverAsync{T}"/> for a message whose type is known only at run time.</summary>
    public static Task DeliverAnyAsync(this TeamMappingFixture fixture, object message, Guid? messageId = null, int deliveries = 1) =>
        (Task)typeof(TeamMappingFixture).GetMethod(nameof(TeamMappingFixture.DeliverAsync))!.MakeGenericMethod(message.GetType())
            .Invoke(fixture, [message, messageId, deliveries, null])!;
}
