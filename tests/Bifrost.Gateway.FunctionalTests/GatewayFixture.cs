using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bifrost.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bifrost.Gateway.FunctionalTests;

/// <summary>
/// The real gateway in-process, proxying to a small HTTP server of the test's own that answers with what it received
/// (method, path, headers), so the tests can see exactly what a backend service would get.
/// </summary>
public sealed class GatewayFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ProviderToken = "tok-A_0123456789abcdefghijklmnopqrstuvwxyzAB";
    public const string OtherProviderToken = "tok-B_0123456789abcdefghijklmnopqrstuvwxyzAB";
    public const string AdminKey = "admin-key-0123456789";
    public const string ViewerKey = "viewer-key-0123456789";
    public static readonly Guid ProviderId = Guid.Parse("aaaaaaaa-1111-4000-8000-000000000001");
    public static readonly Guid OtherProviderId = Guid.Parse("bbbbbbbb-2222-4000-8000-000000000002");

    /// <summary>A provider the gateway learns only from identity's start-up snapshot.</summary>
    public const string SnapshotProviderToken = "tok-S_0123456789abcdefghijklmnopqrstuvwxyzAB";
    public static readonly Guid SnapshotProviderId = Guid.Parse("dddddddd-4444-4000-8000-000000000004");

    /// <summary>A provider configured in the gateway whose token identity has since revoked.</summary>
    public const string RetiredProviderToken = "tok-R_0123456789abcdefghijklmnopqrstuvwxyzAB";
    public static readonly Guid RetiredProviderId = Guid.Parse("eeeeeeee-5555-4000-8000-000000000005");

    /// <summary>A provider used only by the rate-limit test, so exhausting its bucket disturbs nobody.</summary>
    public const string BusyProviderToken = "tok-L_0123456789abcdefghijklmnopqrstuvwxyzAB";
    public static readonly Guid BusyProviderId = Guid.Parse("ffffffff-6666-4000-8000-000000000006");

    /// <summary>Limits of this fixture: a token may send <see cref="Burst"/> requests at once, then 50/s.</summary>
    public const int Burst = 50;
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>How many times the gateway asked "identity" for its token snapshot.</summary>
    public int SnapshotRequests => _snapshotRequests;

    private int _snapshotRequests;

    private WebApplication? _backend;
    private string _backendUrl = "";

    public async ValueTask InitializeAsync()
    {
        var port = TestEnvironment.FreeTcpPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _backend = builder.Build();
        _backend.Run(async context =>
        {
            if (context.Request.Path == "/internal/providers/tokens")
            {
                Interlocked.Increment(ref _snapshotRequests);
                await context.Response.WriteAsJsonAsync(new
                {
                    tokens = new object[]
                    {
                        new { providerId = SnapshotProviderId, tokenSha256 = HexHash(SnapshotProviderToken), version = 3 },
                        new { providerId = RetiredProviderId, tokenSha256 = (string?)null, version = 2 },
                    },
                });
                return;
            }

            var echo = new
            {
                method = context.Request.Method,
                path = context.Request.Path.Value,
                headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            };
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, echo);
        });
        await _backend.StartAsync();
        _backendUrl = $"http://127.0.0.1:{port}";
    }

    public static string HexHash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Hash(string secret) => "sha256:" + HexHash(secret);

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.UseEnvironment("Production"); // no development literals: hashes only
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:ingestion:Destinations:d1:Address"] = _backendUrl,
            ["ReverseProxy:Clusters:identity:Destinations:d1:Address"] = _backendUrl,
            ["Bifrost:Gateway:TokenSync:IdentityUrl"] = _backendUrl,
            ["ConnectionStrings:eventbus"] = "amqp://unused", // replaced by the test harness
            ["Bifrost:Gateway:Providers:0:Id"] = ProviderId.ToString(),
            ["Bifrost:Gateway:Providers:0:Name"] = "A",
            ["Bifrost:Gateway:Providers:0:Token"] = Hash(ProviderToken),
            ["Bifrost:Gateway:Providers:1:Id"] = OtherProviderId.ToString(),
            ["Bifrost:Gateway:Providers:1:Name"] = "B",
            ["Bifrost:Gateway:Providers:1:Token"] = Hash(OtherProviderToken),
            ["Bifrost:Gateway:Providers:2:Id"] = Guid.NewGuid().ToString(),
            ["Bifrost:Gateway:Providers:2:Name"] = "literal outside Development is refused",
            ["Bifrost:Gateway:Providers:2:Token"] = "a-literal-token",
            ["Bifrost:Gateway:Providers:3:Id"] = RetiredProviderId.ToString(),
            ["Bifrost:Gateway:Providers:3:Name"] = "R",
            ["Bifrost:Gateway:Providers:3:Token"] = Hash(RetiredProviderToken),
            ["Bifrost:Gateway:Providers:4:Id"] = BusyProviderId.ToString(),
            ["Bifrost:Gateway:Providers:4:Name"] = "L",
            ["Bifrost:Gateway:Providers:4:Token"] = Hash(BusyProviderToken),
            ["Bifrost:Gateway:Limits:PermitsPerSecond"] = "50",
            ["Bifrost:Gateway:Limits:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bifrost:Gateway:Limits:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bifrost:Gateway:AdminKeys:0:Name"] = "admin",
            ["Bifrost:Gateway:AdminKeys:0:Role"] = "Admin",
            ["Bifrost:Gateway:AdminKeys:0:Key"] = Hash(AdminKey),
            ["Bifrost:Gateway:AdminKeys:1:Name"] = "viewer",
            ["Bifrost:Gateway:AdminKeys:1:Role"] = "Viewer",
            ["Bifrost:Gateway:AdminKeys:1:Key"] = Hash(ViewerKey),
        }));
        builder.ConfigureServices(services => services.AddMassTransitTestHarness());
        return base.CreateHost(builder);
    }

    public ITestHarness Harness => Services.GetTestHarness();

    public HttpClient CreateClient(string? bearer)
    {
        var client = CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
