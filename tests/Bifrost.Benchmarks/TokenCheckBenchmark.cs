using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Bifrost.Gateway.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Bifrost.Benchmarks;

/// <summary>
/// The gateway's provisioning-token check in-process, warm: the real <see cref="ScimTokenHandler"/> (a new handler per
/// request, as ASP.NET Core makes one per request) authenticating a request against a <see cref="CredentialStore"/>
/// holding <c>providers</c> tokens; accepted and refused tokens alike. Single-threaded, so the figure is CPU time per check.
/// </summary>
internal static class TokenCheckBenchmark
{
    public static async Task RunAsync(int providers, int iterations)
    {
        var store = new CredentialStore();
        var tokens = Enumerable.Range(0, providers).Select(_ => Base64Url(RandomNumberGenerator.GetBytes(32))).ToArray();
        store.Apply(tokens.Select((token, i) => new ProviderTokenState(Guid.NewGuid(), SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)), i + 1)));
        var unknown = Enumerable.Range(0, 64).Select(_ => Base64Url(RandomNumberGenerator.GetBytes(32))).ToArray();
        var options = new OptionsMonitor<AuthenticationSchemeOptions>(
            new OptionsFactory<AuthenticationSchemeOptions>([], []), [], new OptionsCache<AuthenticationSchemeOptions>());
        var scheme = new AuthenticationScheme(BifrostSchemes.ScimToken, null, typeof(ScimTokenHandler));

        async Task<bool> CheckAsync(string token)
        {
            var context = new DefaultHttpContext();
            context.Request.Path = "/scim/v2/Users";
            context.Request.Headers.Authorization = $"Bearer {token}";
            var handler = new ScimTokenHandler(options, NullLoggerFactory.Instance, UrlEncoder.Default, store);
            await handler.InitializeAsync(scheme, context);
            return (await handler.AuthenticateAsync()).Succeeded;
        }

        Console.WriteLine($"Token check: {providers} providers in the store, {iterations:N0} checks per case (after as many to warm up)");
        foreach (var (name, pool, expected) in new[] { ("valid token", tokens, true), ("unknown token", unknown, false) })
        {
            for (var i = 0; i < iterations; i++)
            {
                if (await CheckAsync(pool[i % pool.Length]) != expected)
                {
                    throw new InvalidOperationException($"{name}: unexpected result");
                }
            }

            var samples = new List<double>();
            var total = Stopwatch.StartNew();
            const int batch = 1000;
            for (var done = 0; done < iterations; done += batch)
            {
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < batch; i++)
                {
                    await CheckAsync(pool[(done + i) % pool.Length]);
                }

                samples.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds / batch);
            }

            total.Stop();
            samples.Sort();
            Console.WriteLine($"  {name,-14} mean {total.Elapsed.TotalMicroseconds / iterations:0.00} µs/check, " +
                              $"median batch {samples[samples.Count / 2]:0.00} µs, p99 batch {samples[(int)(samples.Count * 0.99)]:0.00} µs, " +
                              $"{iterations / total.Elapsed.TotalSeconds:N0} checks/s on one thread");
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
