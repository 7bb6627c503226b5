using System.Text.Json.Nodes;
using Bifrost.EntraSimulator;
using Bifrost.GraphEmulator;

namespace Bifrost.Reconciliation.FunctionalTests;

/// <summary>
/// The Entra simulator and the reconciliation read the same synthetic directory, one through SCIM pushes, the other
/// through Graph: they must agree on scope (users assigned directly or through an assigned group, assigned groups
/// only), so that the drift a run reports is exactly what the simulator was told to skip, nothing more.
/// The simulator sends its requests straight to ingestion (as the gateway forwards them, with the provider header).
/// </summary>
public sealed class SimulatorAgreementTests(ReconciliationFixture fixture) : IClassFixture<ReconciliationFixture>
{
    private static readonly Guid Provider = ReconciliationServer.ConfiguredProviders[11];

    [Fact]
    public async Task Reconciliation_finds_exactly_what_the_simulator_skipped_in_the_initial_and_an_incremental_cycle()
    {
        var ct = TestContext.Current.CancellationToken;
        fixture.Providers.Add(Provider);
        var directory = fixture.Emulator.Directory;

        // Initial cycle with a fifth of the users and memberships left out.
        const double initialSkip = 0.2;
        var initial = await SimulatorAsync(initialSkip).RunAsync(ct);
        Assert.Equal(0, initial.Errors);
        Assert.Equal(Enumerable.Range(0, SmallGraphEmulator.Users).Count(directory.IsUserInScope), initial.UsersInScope);
        Assert.Contains(Enumerable.Range(0, SmallGraphEmulator.Users), i => directory.IsUserInScope(i) && !directory.Options.IsAssigned(i));

        var skippedEnabled = Enumerable.Range(0, SmallGraphEmulator.Users).Count(i =>
            directory.IsUserInScope(i) && EntraProvisioningSimulator.IsSkipped(initialSkip, directory.Options.Seed, "user", i) && directory.User(i)!.AccountEnabled);
        var dry = await fixture.RunAsync(Provider, dryRun: true);
        Assert.Equal(Expected(("missingUser", skippedEnabled), ("membershipDifference", initial.MembershipsSkipped)), Drift(dry));

        // Repair, and the two views are the same.
        await fixture.RunAsync(Provider);
        Assert.Empty(Drift(await fixture.RunAsync(Provider, dryRun: true)));

        // An incremental cycle: Graph shows every change, three in ten are not pushed.
        const double changeSkip = 0.3;
        var options = Options(changeSkip) with { Cycle = SimulatorCycle.Incremental, Changes = 40, Emulator = fixture.Emulator.BaseAddress };
        var changes = ChangeSet.Generate(new SyntheticDirectory(options.Directory), options.Changes, options.ChangeSeed);
        var incremental = await new EntraProvisioningSimulator(options, TextWriter.Null, new ProviderHeader(Provider)).RunAsync(ct);
        Assert.Equal(0, incremental.ChangesFailed);
        Assert.True(incremental.ChangesSkipped > 0, "some changes are skipped");

        var skipped = changes.Where((_, n) => EntraProvisioningSimulator.IsSkipped(changeSkip, options.ChangeSeed, "change", n)).ToList();
        Assert.Equal(incremental.ChangesSkipped, skipped.Count);
        // Entra's unassignment is a disable: the memberships of a user gone from Graph remain in ingestion, pushed or not.
        var unassignedMemberships = changes.Where(c => c.Kind == ChangeKind.Unassign)
            .Sum(c => directory.GroupsOf(c.UserIndex).Count(directory.IsGroupInScope));
        var expected = Expected(
            ("attributeDifference", skipped.Count(c => c.Kind == ChangeKind.Attribute)),
            ("missedDeactivation", skipped.Count(c => c.Kind is ChangeKind.Disable or ChangeKind.Unassign)),
            ("membershipDifference", skipped.Count(c => c.Kind is ChangeKind.AddMember or ChangeKind.RemoveMember) + unassignedMemberships));

        var after = await fixture.RunAsync(Provider, dryRun: true);
        Assert.Equal(expected, Drift(after));
    }

    private SimulatorOptions Options(double skip) => new()
    {
        Gateway = fixture.Ingestion.BaseAddress,
        Token = "not-read-by-ingestion",
        Users = SmallGraphEmulator.Users,
        Groups = SmallGraphEmulator.Groups,
        Seed = SmallGraphEmulator.Seed,
        Concurrency = 4,
        MemberBatchSize = 7,
        SkipFraction = skip,
    };

    private EntraProvisioningSimulator SimulatorAsync(double skip) =>
        new(Options(skip), TextWriter.Null, new ProviderHeader(Provider));

    private static Dictionary<string, long> Expected(params (string Kind, int Count)[] kinds) =>
        kinds.Where(k => k.Count > 0).ToDictionary(k => k.Kind, k => (long)k.Count);

    private static Dictionary<string, long> Drift(JsonObject run) =>
        run["drift"]!.AsObject().ToDictionary(kind => kind.Key, kind => (long)kind.Value!["found"]!);

    /// <summary>What the gateway adds on the way to ingestion: the provider the token resolved to.</summary>
    private sealed class ProviderHeader(Guid provider) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // Only the SCIM requests: the incremental cycle also posts the change set to the emulator's admin endpoint.
            if (request.RequestUri?.AbsolutePath.StartsWith("/scim/", StringComparison.Ordinal) == true)
            {
                request.Headers.Add("X-Bifrost-Provider", provider.ToString());
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
