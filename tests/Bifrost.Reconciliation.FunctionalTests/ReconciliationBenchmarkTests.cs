using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Bifrost.Reconciliation.FunctionalTests;

/// <summary>
/// Benchmark mode (BENCHMARKS.md), run on demand with <c>BIFROST_RECONCILIATION_BENCHMARK=1</c>: a dry run of a
/// provider whose ingestion state is empty, against emulated directories of 10k and 100k users (groups = users / 10),
/// so Graph is streamed in full (users, assignments, every group's members, twice). Reports the duration and the
/// peak growth of the live managed heap of this process (emulator, ingestion and reconciliation together) during a
/// second, identical run sampled with full collections. With <c>BIFROST_RECONCILIATION_BENCHMARK_USERS</c> set, only
/// that size runs. The populated cases first fill ingestion through a repairing run and report its duration too.
/// </summary>
public sealed class ReconciliationBenchmarkTests
{
    [Theory]
    [InlineData(10_000, false)]
    [InlineData(100_000, false)]
    [InlineData(10_000, true)]
    [InlineData(100_000, true)]
    public async Task Dry_run_over_a_large_directory(int users, bool populated)
    {
        if (Environment.GetEnvironmentVariable("BIFROST_RECONCILIATION_BENCHMARK") != "1")
        {
            Assert.Skip("Benchmark mode: set BIFROST_RECONCILIATION_BENCHMARK=1 to run it.");
        }

        if (Environment.GetEnvironmentVariable("BIFROST_RECONCILIATION_BENCHMARK_USERS") is { Length: > 0 } only && only != users.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Assert.Skip($"Benchmark mode restricted to {only} users (BIFROST_RECONCILIATION_BENCHMARK_USERS).");
        }

        await using var emulator = new SmallGraphEmulator(users, users / 10, membershipsPerUser: 10);
        await using var ingestion = new IngestionServer();
        await ingestion.InitializeAsync();
        var providers = new TestProviderSource();
        var provider = ReconciliationServer.ConfiguredProviders[11];
        providers.Add(provider);
        await using var reconciliation = new ReconciliationServer(emulator, ingestion, providers, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await reconciliation.InitializeAsync();
        var fixture = new BenchmarkRuns(reconciliation);

        var extra = "";
        if (populated)
        {
            // Ingestion first receives the whole directory through a repairing run (the SCIM requests Entra's initial
            // cycle would send); the measured dry run then compares every user, group and membership with Graph.
            var fill = Stopwatch.StartNew();
            var repaired = await fixture.RunAsync(provider, dryRun: false);
            fill.Stop();
            var memberships = (long)repaired["drift"]!["membershipDifference"]!["repaired"]!;
            extra = $" filled by a repairing run in {fill.Elapsed.TotalSeconds:0.0} s ({(long)repaired["drift"]!["missingUser"]!["repaired"]!} users, {(long)repaired["drift"]!["missingGroup"]!["repaired"]!} groups, {memberships} memberships)";
        }

        // Timed first, with nothing else going on in this process.
        var clock = Stopwatch.StartNew();
        var run = await fixture.RunAsync(provider, dryRun: true);
        clock.Stop();

        // Then the same dry run again for memory: every 250 ms a full blocking collection measures what is live (the
        // emulator's, ingestion's and reconciliation's objects together), against the same measure before the run.
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                await Task.Delay(250, TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);
        var again = await fixture.RunAsync(provider, dryRun: true);
        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(run["drift"]!.ToJsonString(), again["drift"]!.ToJsonString());

        if (populated)
        {
            // Everything was repaired: the comparison finds nothing, and it did compare everything.
            Assert.DoesNotContain(run["drift"]!.AsObject(), d => (long)d.Value!["found"]! > 0);
            Assert.True((long)run["progress"]!["membershipsCompared"]! > users, run.ToJsonString());
        }
        else
        {
            var expected = Enumerable.Range(0, users).Count(i => emulator.Directory.User(i) is { AccountEnabled: true } && emulator.Directory.IsUserInScope(i));
            Assert.Equal(expected, (long)run["drift"]!["missingUser"]!["found"]!);
        }

        var state = populated ? "populated" : "empty";
        var line = $"BENCHMARK users={users} groups={users / 10} ingestion={state} seconds={clock.Elapsed.TotalSeconds:0.0} peakLiveHeapGrowthMiB={(peak - baseline) / 1024.0 / 1024.0:0.0} compared={run["progress"]!.ToJsonString()}{extra}";
        TestContext.Current.SendDiagnosticMessage(line);
        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("BIFROST_BENCHMARK_REPORT") is { Length: > 0 } report)
        {
            await File.AppendAllTextAsync(report, line + Environment.NewLine, TestContext.Current.CancellationToken);
        }
    }

    private sealed class BenchmarkRuns(ReconciliationServer server)
    {
        public async Task<System.Text.Json.Nodes.JsonObject> RunAsync(Guid provider, bool dryRun)
        {
            var ct = TestContext.Current.CancellationToken;
            using var client = server.CreateClient();
            client.Timeout = TimeSpan.FromMinutes(10);
            client.DefaultRequestHeaders.Add("X-Bifrost-Admin-Role", "admin");
            var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, "/api/reconciliation/runs", new { providerId = provider, dryRun }, ct);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            var id = (string)(await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(response.Content, ct))!["id"]!;
            while (true)
            {
                var run = (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>(client, $"/api/reconciliation/runs/{id}", ct))!;
                if ((string?)run["status"] != "running")
                {
                    Assert.True((string?)run["status"] == "completed", (string?)run["error"]);
                    return run;
                }

                await Task.Delay(200, ct);
            }
        }
    }
}
