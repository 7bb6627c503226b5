using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Bifrost.Gateway.FunctionalTests;

public sealed class GatewayLimitsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_token_over_its_rate_gets_429_scim_errors_with_retry_after_and_other_tokens_are_unaffected()
    {
        var ct = TestContext.Current.CancellationToken;
        var busy = fixture.CreateClient(GatewayFixture.BusyProviderToken);

        var responses = await Task.WhenAll(Enumerable.Range(0, GatewayFixture.Burst * 3).Select(_ => busy.GetAsync("/scim/v2/Users", ct)));
        var other = await fixture.CreateClient(GatewayFixture.OtherProviderToken).GetAsync("/scim/v2/Users", ct);

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), GatewayFixture.Burst, GatewayFixture.Burst * 2);
        var first = limited[0];
        Assert.True(first.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/scim+json", first.Content.Headers.ContentType?.MediaType);
        var error = await first.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal("429", error!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_gets_413_scim_error_and_never_reaches_ingestion()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = new StringContent("{\"userName\":\"" + new string('x', GatewayFixture.MaxBodyBytes) + "\"}", Encoding.UTF8, "application/scim+json");

        var response = await fixture.CreateClient(GatewayFixture.ProviderToken).PostAsync("/scim/v2/Users", body, ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal("413", error!["status"]!.GetValue<string>());
        Assert.False(error.ContainsKey("path")); // the probe backend would have echoed the request
    }
}
