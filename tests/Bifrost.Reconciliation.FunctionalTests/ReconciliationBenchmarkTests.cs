using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Bifrost.Reconciliation.FunctionalTests;

/// <summary>
/// Benchmark mode (BENCHMARKS.md), run on demand with <c>BIFROST_RECONCILIATION_BENCHMARK=1</c>: a dry run of a
/// provider whose ingestion state is empty, against emulated directories of 10k and 100k users (groups = users / 10),
/// so Graph is streamed in full (users, assignments, every group's members, twice). Reports the duration and the
/// peak managed heap growth of this process (emulator, ingestion and reconciliation together) during the run.
/// </summary>
public sealed class ReconciliationBenchmarkTests
{
    [Theory]
    [InlineData(10_000)]
    [InlineData(100_000)]
    public async Task Dry_run_over_a_large_directory(int users)
    {
        if (Environment.GetEnvironmentVariable("BIFROST_RECONCILIATION_BENCHMARK") != "1")
        {
            Assert.Skip("Benchmark mode: set BIFROST_RECONCILIATION_BENCHMARK=1 to run it.");
        }

        await using var emulator = new SmallGraphEmulator(users, users / 10);
        await using var ingestion = new IngestionServer();
        await ingestion.InitializeAsync();
        var providers = new TestProviderSource();
        var provider = ReconciliationServer.ConfiguredProviders[11];
        providers.Add(provider);
        await using var reconciliation = new ReconciliationServer(emulator, ingestion, providers, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await reconciliation.InitializeAsync();
        var fixture = new BenchmarkRuns(reconciliation);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();

        var run = await fixture.RunAsync(provider);

        clock.Stop();
        await sampling.CancelAsync();
        await sampler;
        var expected = Enumerable.Range(0, users).Count(i => emulator.Directory.User(i) is { AccountEnabled: true });
        Assert.Equal(expected, (long)run["drift"]!["missingUser"]!["found"]!);
        TestContext.Current.SendDiagnosticMessage(
            $"reconciliation dry run: {users} users, {users / 10} groups: {clock.Elapsed.TotalSeconds:0.0} s, peak managed heap growth {(peak - baseline) / 1024.0 / 1024.0:0.0} MiB");
        var line = $"BENCHMARK users={users} groups={users / 10} seconds={clock.Elapsed.TotalSeconds:0.0} peakHeapGrowthMiB={(peak - baseline) / 1024.0 / 1024.0:0.0}";
        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("BIFROST_BENCHMARK_REPORT") is { Length: > 0 } report)
        {
            await File.AppendAllTextAsync(report, line + Environment.NewLine, TestContext.Current.CancellationToken);
        }
    }

    private sealed class BenchmarkRuns(ReconciliationServer server)
    {
        public async Task<System.Text.Json.Nodes.JsonObject> RunAsync(Guid provider)
        {
            var ct = TestContext.Current.CancellationToken;
            using var client = server.CreateClient();
            client.Timeout = TimeSpan.FromMinutes(10);
            client.DefaultRequestHeaders.Add("X-Bifrost-Admin-Role", "admin");
            var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, "/api/reconciliation/runs", new { providerId = provider, dryRun = true }, ct);
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
