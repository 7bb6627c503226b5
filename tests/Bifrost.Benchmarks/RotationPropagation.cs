using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Bifrost.Benchmarks;

/// <summary>
/// Token rotation propagation (issue 4): on a provider of its own, rotates the SCIM token <c>--samples</c> times and
/// measures, per rotation, the time from sending the rotate call until every gateway replica refuses the old token
/// (and the new one works), polling each replica every 2 ms.
/// </summary>
internal static class RotationPropagation
{
    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        using var admin = new HttpClient { BaseAddress = new Uri(options.Gateway.TrimEnd('/') + "/") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminKey);
        var replicas = options.Gateways.Select(g => new HttpClient { BaseAddress = new Uri(g.TrimEnd('/') + "/") }).ToArray();

        var created = await admin.PostAsJsonAsync("api/providers", new { name = $"rotation-benchmark-{Guid.NewGuid():N}", kind = "generic" }, cancellationToken);
        created.EnsureSuccessStatusCode();
        var providerId = (await created.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["id"]!.GetValue<string>();
        try
        {
            var enabled = await admin.PostAsync($"api/providers/{providerId}/scim/enable", null, cancellationToken);
            enabled.EnsureSuccessStatusCode();
            var token = (await enabled.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["token"]!.GetValue<string>();
            await UntilAsync(replicas, token, accepted: true, cancellationToken);

            var refused = new List<double>();
            var accepted = new List<double>();
            for (var i = 0; i < options.Samples; i++)
            {
                // The clock starts before the rotate call: its own duration counts against the propagation.
                var clock = Stopwatch.StartNew();
                var rotated = await admin.PostAsync($"api/providers/{providerId}/scim/rotate-token", null, cancellationToken);
                rotated.EnsureSuccessStatusCode();
                var next = (await rotated.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["token"]!.GetValue<string>();
                var answered = clock.Elapsed;
                var oldRefused = UntilAsync(replicas, token, accepted: false, cancellationToken);
                var newAccepted = UntilAsync(replicas, next, accepted: true, cancellationToken);
                await Task.WhenAll(oldRefused, newAccepted);
                refused.Add((answered + await oldRefused).TotalMilliseconds);
                accepted.Add((answered + await newAccepted).TotalMilliseconds);
                token = next;
            }

            Console.WriteLine($"{Environment.ProcessorCount} cores, {replicas.Length} gateway replicas, {options.Samples} rotations");
            Console.WriteLine("| measure | samples | p50 ms | p90 ms | p99 ms | max ms |");
            Console.WriteLine("|---|---|---|---|---|---|");
            Console.WriteLine(Row("rotate sent → old token refused on every replica", refused));
            Console.WriteLine(Row("rotate sent → new token accepted on every replica", accepted));
        }
        finally
        {
            await admin.DeleteAsync($"api/providers/{providerId}", CancellationToken.None);
        }
    }

    /// <summary>Polls every replica until each accepts (or refuses) <paramref name="token"/>; the time the slowest took.</summary>
    private static async Task<TimeSpan> UntilAsync(HttpClient[] replicas, string token, bool accepted, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var waits = replicas.Select(async replica =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "scim/v2/Users/00000000-0000-0000-0000-000000000000");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await replica.SendAsync(request, cancellationToken);
                if ((response.StatusCode != HttpStatusCode.Unauthorized) == accepted)
                {
                    return clock.Elapsed;
                }

                await Task.Delay(2, cancellationToken);
            }

            throw new TimeoutException($"{replica.BaseAddress} still {(accepted ? "refuses" : "accepts")} the token after 30 s");
        });
        return (await Task.WhenAll(waits)).Max();
    }

    private static string Row(string name, List<double> values)
    {
        var sorted = values.Order().ToArray();
        double P(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"| {name} | {sorted.Length} | {P(0.5):0.0} | {P(0.9):0.0} | {P(0.99):0.0} | {P(1):0.0} |");
    }
}
