using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Bifrost.EndToEndTests;

/// <summary>
/// Issue 4 item 5 through the real gateway of the AppHost, with its default limits (10 MiB bodies; 500 requests/s per
/// token with a burst of 1000). Each test uses a provider of its own: the rate limit is per token, so the flood
/// never throttles the other tests running alongside.
/// </summary>
public sealed class LimitsTests(BifrostAppFixture app)
{
    private const long GatewayBodyLimit = 10 * 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Body_over_the_gateway_limit_gets_413_scim_error_and_never_reaches_ingestion()
    {
        var provider = await E2eProvider.CreateAsync(app, $"size-{Guid.NewGuid():N}");
        var body = "{\"userName\":\"" + new string('x', (int)GatewayBodyLimit) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/scim/v2/Users")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/scim+json"),
        };
        request.Headers.ExpectContinue = true;

        var response = await provider.Client(app).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", error["schemas"]![0]!.GetValue<string>());
        Assert.Equal("413", error["status"]!.GetValue<string>());
        // Rejected at the gateway: ingestion never saw it, so it is neither stored nor in the provisioning log.
        var list = await provider.Client(app).GetFromJsonAsync<JsonObject>("/scim/v2/Users?count=0", Ct);
        Assert.Equal(0, list!["totalResults"]!.GetValue<int>());
        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // longer than the log's flush interval
        var log = await app.Admin().GetFromJsonAsync<JsonObject>($"/api/provisioning-log?providerId={provider.Id}&method=POST", Ct);
        Assert.Empty(log!["items"]!.AsArray());
    }

    [Fact]
    public async Task Token_over_its_rate_gets_429_with_Retry_After_and_a_scim_error_while_other_tokens_work()
    {
        var busy = await E2eProvider.CreateAsync(app, $"rate-{Guid.NewGuid():N}");
        var calm = await E2eProvider.CreateAsync(app, $"calm-{Guid.NewGuid():N}");
        var client = busy.Client(app);

        // An unrouted /scim path is answered by the gateway itself (404) after the rate limiter: cheap enough to send
        // faster than the 500/s refill, so the burst of 1000 runs out. Bounded in count and time.
        HttpResponseMessage? throttled = null;
        var sent = 0;
        var clock = Stopwatch.StartNew();
        while (throttled is null && sent < 30_000 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var wave = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => client.GetAsync("/scim/limits-probe", Ct)));
            sent += wave.Length;
            throttled = wave.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        }

        Assert.True(throttled is not null, $"no 429 after {sent} requests in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(int.Parse(throttled!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("application/scim+json", throttled.Content.Headers.ContentType?.MediaType);
        var error = (await throttled.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal("429", error["status"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", error["schemas"]![0]!.GetValue<string>());
        TestContext.Current.TestOutputHelper?.WriteLine($"first 429 after {sent} requests in {clock.Elapsed.TotalMilliseconds:0} ms");

        // Another provider's token is not throttled by the busy one.
        var other = await calm.Client(app).GetAsync("/scim/v2/Users?count=0", Ct);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
