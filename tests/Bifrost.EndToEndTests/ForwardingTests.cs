using System.Globalization;
using Aspire.Hosting.Testing;
using System.Net;

namespace Bifrost.EndToEndTests;

/// <summary>
/// The gateways forward SCIM to ingestion over HTTP/2 (prior knowledge, cleartext) on ingestion's <c>h2</c> endpoint:
/// concurrent requests share one connection per gateway instead of one connection each.
/// </summary>
public sealed class ForwardingTests(BifrostAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_scim_requests_reach_ingestion_as_streams_of_one_http2_connection_per_gateway()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "counts connections from /proc/net/tcp");
        var h2 = app.App.GetEndpoint("ingestion", "h2");

        using var scim = app.Scim();
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => scim.GetAsync("/scim/v2/Users?count=1", Ct)));
        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));

        // Client ends of the open connections to the h2 port: the gateways' (other tests may be using the second gateway).
        Assert.InRange(EstablishedConnectionsTo(h2.Port), 1, BifrostAppFixture.Gateways.Length);

        // The endpoint speaks HTTP/2 only: prior knowledge is answered, an HTTP/1.1 request gets Kestrel's 400.
        using var http2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var health = await http2.GetAsync(new Uri(h2, "/health"), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpVersion.Version20, health.Version);
        using var http11 = new HttpClient();
        using var refused = await http11.GetAsync(new Uri(h2, "/health"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("HTTP/2", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static int EstablishedConnectionsTo(int port) =>
        new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .Where(File.Exists)
            .SelectMany(File.ReadLines)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields.Length > 3 && fields[3] == "01" && fields[2].Contains(':')
                && int.TryParse(fields[2][(fields[2].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var remote)
                && remote == port);
}
