using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Bifrost.Benchmarks;

/// <summary>
/// Propagation latency (issue 5): the time from a SCIM write accepted at the gateway (its 200 received) until the
/// governance API shows it (<c>GET /api/users/{id}</c> through the gateway reports the new state), measured on users
/// toggled between active and suspended while a steady Entra-like background load (attribute PATCHes at a fixed rate)
/// runs over the same population.
/// </summary>
internal static class Propagation
{
    public static async Task RunAsync(HttpClient scim, Options options, CancellationToken cancellationToken)
    {
        using var admin = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 })
        {
            BaseAddress = scim.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminKey);

        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = new string[options.Users];
        Console.WriteLine($"Creating {options.Users} users ({options.Concurrency} concurrent)…");
        var create = await LoadRunner.RunAsync("create user (POST /Users)", options.Concurrency, options.Users, TimeSpan.FromHours(1), async (i, ct) =>
        {
            using var response = await scim.PostAsync("scim/v2/Users", Json($$"""
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"prop-{{run}}-{{i}}@load.test","externalId":"prop-{{run}}-{{i}}","active":true,"title":"Engineer"}
                """), ct);
            if (response.IsSuccessStatusCode)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                ids[i] = body.RootElement.GetProperty("id").GetString()!;
            }

            return ((int)response.StatusCode, response.IsSuccessStatusCode);
        }, cancellationToken);
        Console.WriteLine(create.Row());

        // Wait until identity has materialised the population, so the samples measure steady state, not the backlog.
        var clock = Stopwatch.StartNew();
        while (await CountAsync(admin, run, cancellationToken) < options.Users && clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(500, cancellationToken);
        }

        Console.WriteLine($"Identity has all {options.Users} users ({clock.Elapsed.TotalSeconds:0} s after the last create). " +
            $"Background load {options.Rate} PATCH/s; {options.Samples} propagation samples…");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var background = BackgroundLoadAsync(scim, ids, options.Rate, stop.Token);

        var latencies = new ConcurrentBag<double>();
        var fromSend = new ConcurrentBag<double>();
        var rows = new ConcurrentBag<string>();
        var timeouts = 0;
        var next = -1;
        var probes = Enumerable.Range(0, options.Probes).Select(async probe =>
        {
            while (Interlocked.Increment(ref next) < options.Samples && !cancellationToken.IsCancellationRequested)
            {
                // Each probe owns the users whose index is probe mod Probes, so two probes never toggle the same user.
                var index = Random.Shared.Next(options.Users / options.Probes) * options.Probes + probe;
                var id = ids[index];
                var state = await StateAsync(admin, id, cancellationToken);
                var activate = state == "suspended";
                var sent = Stopwatch.GetTimestamp();
                var sentAt = DateTimeOffset.UtcNow;
                using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"scim/v2/Users/{id}")
                {
                    Content = Json($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"{{(activate ? "True" : "False")}}"}]}"""),
                })
                using (var response = await scim.SendAsync(patch, cancellationToken))
                {
                    response.EnsureSuccessStatusCode();
                }

                var accepted = Stopwatch.GetTimestamp();
                var wanted = activate ? "active" : "suspended";
                var seen = false;
                while (Stopwatch.GetElapsedTime(accepted) < TimeSpan.FromSeconds(10))
                {
                    if (await StateAsync(admin, id, cancellationToken) == wanted)
                    {
                        seen = true;
                        break;
                    }

                    // A 5 ms pause: the probe should see the change promptly without its own polling becoming the load.
                    await Task.Delay(5, cancellationToken);
                }

                if (seen)
                {
                    var now = Stopwatch.GetTimestamp();
                    latencies.Add(Stopwatch.GetElapsedTime(accepted, now).TotalMilliseconds);
                    fromSend.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                    rows.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{id},{wanted},{sentAt:O},{sentAt + Stopwatch.GetElapsedTime(sent, accepted):O},{sentAt + Stopwatch.GetElapsedTime(sent, now):O}"));
                }
                else
                {
                    Interlocked.Increment(ref timeouts);
                }
            }
        });
        await Task.WhenAll(probes);
        await stop.CancelAsync();
        var backgroundStats = await background;

        Console.WriteLine();
        Console.WriteLine($"{Environment.ProcessorCount} cores, {options.Users} users, background {backgroundStats.Count} PATCHes " +
            $"({backgroundStats.Count / backgroundStats.Elapsed.TotalSeconds:0}/s, errors {backgroundStats.Errors}), {options.Probes} probes");
        Console.WriteLine("| measure | samples | p50 ms | p90 ms | p99 ms | max ms | not visible in 10 s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Console.WriteLine(Row("accepted at gateway → visible in /api/users", latencies, timeouts));
        Console.WriteLine(Row("sent → visible in /api/users", fromSend, timeouts));
        if (options.SamplesCsv is { } file)
        {
            await File.WriteAllLinesAsync(file, ["user_id,state,sent,accepted,visible", .. rows.Order(StringComparer.Ordinal)], CancellationToken.None);
            Console.WriteLine($"Samples written to {file}");
        }
    }

    private static async Task<(long Count, long Errors, TimeSpan Elapsed)> BackgroundLoadAsync(HttpClient scim, string[] ids, int rate, CancellationToken cancellationToken)
    {
        if (rate <= 0)
        {
            return (0, 0, TimeSpan.FromSeconds(1));
        }

        long count = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / Math.Min(rate, 1000)));
        var perTick = Math.Max(1, rate / 1000);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                for (var k = 0; k < perTick; k++)
                {
                    var id = ids[Random.Shared.Next(ids.Length)];
                    inFlight.Add(Task.Run(async () =>
                    {
                        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"scim/v2/Users/{id}")
                        {
                            Content = Json($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Title {{Random.Shared.Next(100)}}"}]}"""),
                        };
                        using var response = await scim.SendAsync(patch, CancellationToken.None);
                        Interlocked.Increment(ref count);
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }, CancellationToken.None));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(inFlight);
        return (count, errors, clock.Elapsed);
    }

    private static async Task<string?> StateAsync(HttpClient admin, string id, CancellationToken cancellationToken)
    {
        using var response = await admin.GetAsync($"api/users/{id}", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("state").GetString();
    }

    private static async Task<int> CountAsync(HttpClient admin, string run, CancellationToken cancellationToken)
    {
        using var response = await admin.GetAsync($"api/users?search=prop-{run}-&limit=1", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("total").GetInt32();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/scim+json");

    private static string Row(string name, ConcurrentBag<double> values, int timeouts)
    {
        var sorted = values.Order().ToArray();
        double P(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"| {name} | {sorted.Length} | {P(0.5):0.0} | {P(0.9):0.0} | {P(0.99):0.0} | {P(1):0.0} | {timeouts} |");
    }
}
