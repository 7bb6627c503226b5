using Bifrost.GraphEmulator;
using Bifrost.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Bifrost.Reconciliation.FunctionalTests;

/// <summary>The Graph emulator on a real Kestrel port, so the real Graph SDK reaches it over HTTP as it would Graph.</summary>
public sealed class GraphEmulatorFixture : WebApplicationFactory<SyntheticDirectory>
{
    public const string TenantId = "b1f00057-7e4a-4e00-8000-000000000e17";
    public const string ClientId = "b1f00057-c11e-4e00-8000-0000000000c1";
    public const string ClientSecret = "test-secret-123";

    public GraphEmulatorFixture()
    {
        UseKestrel(TestEnvironment.FreeTcpPort());
        StartServer();
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Emulator:Users", "2500");
        builder.UseSetting("Emulator:Groups", "40");
        builder.UseSetting("Emulator:Seed", "7");
        builder.UseSetting("Emulator:TenantId", TenantId);
        builder.UseSetting("Emulator:ClientId", ClientId);
        builder.UseSetting("Emulator:ClientSecret", ClientSecret);
    }
}
