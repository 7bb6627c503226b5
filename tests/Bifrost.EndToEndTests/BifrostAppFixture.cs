using System.Net.Http.Headers;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(Bifrost.EndToEndTests.BifrostAppFixture))]

namespace Bifrost.EndToEndTests;

/// <summary>
/// The whole AppHost, booted once per test run through Aspire.Hosting.Testing: PostgreSQL and RabbitMQ as local
/// processes (private, throw-away data folder), the four services and two gateway replicas. Tests talk to the
/// gateways only.
/// </summary>
public sealed class BifrostAppFixture : IAsyncLifetime
{
    /// <summary>The development credentials the AppHost seeds (see AppHost/Extensions.cs and the README).</summary>
    public const string DevScimToken = "bifrost-dev-scim-token-change-me-0123456789";
    public const string DevAdminKey = "bifrost-dev-admin-key";
    public const string DevViewerKey = "bifrost-dev-viewer-key";
    public static readonly Guid DevProviderId = Guid.Parse("0b1f0057-0000-4000-8000-00000000e17a");

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"bifrost-e2e-{Guid.NewGuid():N}");
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The application is not started.");

    /// <summary>The throw-away folder of this run's PostgreSQL and RabbitMQ (the services' connection strings name it).</summary>
    public string DataDir => _dataDir;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8)); // a shared, loaded 2-core machine can take over 4 minutes
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bifrost_AppHost>(
            [
                "--environment=Development",
                "--Bifrost:Infrastructure=Local",
                $"--Bifrost:DataDir={_dataDir}",
                "--Bifrost:Ephemeral=true",
                "--Bifrost:GatewayPort=0",
                "--Bifrost:GatewayReplicas=2",
                "--Bifrost:Postgres:Fsync=off",
                "--Bifrost:Postgres:SynchronousCommit=off",
                "--Bifrost:Demo:Enabled=false", // tests provision on providers of their own (EntraSimulatorTests)
            ],
            timeout.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in new[] { "ingestion", "identity", "team-mapping", "reconciliation", "gateway", "gateway-2" })
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }
    }

    /// <summary>The gateway replicas the AppHost runs (each its own resource and port).</summary>
    public static readonly string[] Gateways = ["gateway", "gateway-2"];

    public HttpClient CreateGatewayClient(string? bearer, string gateway = "gateway")
    {
        var client = App.CreateHttpClient(gateway);
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public HttpClient Scim() => CreateGatewayClient(DevScimToken);

    public HttpClient Admin() => CreateGatewayClient(DevAdminKey);

    public HttpClient Viewer() => CreateGatewayClient(DevViewerKey);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The scripts already removed it (ephemeral mode).
        }
    }
}
