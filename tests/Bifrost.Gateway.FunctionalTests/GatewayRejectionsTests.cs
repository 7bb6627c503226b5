using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Bifrost.Gateway.FunctionalTests;

/// <summary>
/// Requests the gateway refuses itself never reach ingestion's provisioning log: <c>bifrost.gateway.rejections</c>
/// counts them (status and route kind), and forwarded requests, whatever their status, are not counted.
/// </summary>
public sealed class GatewayRejectionsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Gateway_counts_the_401_and_413_it_answers_itself_but_not_forwarded_requests()
    {
        var ct = TestContext.Current.CancellationToken;
        using var collector = new MetricCollector<long>(fixture.Services.GetRequiredService<IMeterFactory>(), "Bifrost.Gateway", "bifrost.gateway.rejections");

        var unauthorized = await fixture.CreateClient("not-a-token").GetAsync("/scim/v2/Users", ct);
        var noAdminKey = await fixture.CreateClient(null).GetAsync("/api/users", ct);
        var tooLarge = await fixture.CreateClient(GatewayFixture.ProviderToken).PostAsync("/scim/v2/Users",
            new StringContent(new string('x', GatewayFixture.MaxBodyBytes + 1), Encoding.UTF8, "application/scim+json"), ct);
        var forwarded = await fixture.CreateClient(GatewayFixture.ProviderToken).GetAsync("/scim/v2/Users", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noAdminKey.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        var counted = collector.GetMeasurementSnapshot()
            .Select(m => ($"{m.Tags["http.response.status_code"]}", $"{m.Tags["bifrost.route_kind"]}", m.Value))
            .Order()
            .ToList();
        Assert.Equal([("401", "api", 1L), ("401", "scim", 1L), ("413", "scim", 1L)], counted);
    }
}
