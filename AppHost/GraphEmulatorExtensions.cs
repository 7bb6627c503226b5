using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Bifrost.AppHost;

/// <summary>
/// The local Microsoft Graph stand-in (tests/Bifrost.GraphEmulator), started in Development (or when
/// <c>Bifrost:GraphEmulator:Enabled</c> is true) so reconciliation talks to a real HTTP Graph through the real SDK.
/// Its directory is sized by <c>Bifrost:GraphEmulator:Users</c>, <c>:Groups</c>, <c>:Seed</c> and <c>:MembershipsPerUser</c>.
/// </summary>
public static class GraphEmulatorExtensions
{
    public static IResourceBuilder<ProjectResource>? AddGraphEmulator(this IDistributedApplicationBuilder builder)
    {
        var enabled = builder.Configuration.GetValue<bool?>("Bifrost:GraphEmulator:Enabled") ?? builder.Environment.IsDevelopment();
        if (!enabled)
        {
            return null;
        }

        var section = builder.Configuration.GetSection("Bifrost:GraphEmulator");
        return builder.AddProject<Projects.Bifrost_GraphEmulator>("graph-emulator")
            .WithEnvironment("Emulator__Users", section["Users"] ?? "300")
            .WithEnvironment("Emulator__Groups", section["Groups"] ?? "30")
            .WithEnvironment("Emulator__Seed", section["Seed"] ?? "42")
            .WithEnvironment("Emulator__MembershipsPerUser", section["MembershipsPerUser"] ?? "")
            .WithHttpHealthCheck("/health")
            .WithDirectEndpoints();
    }

    /// <summary>The emulator's default tenant, client and secret (tests/Bifrost.GraphEmulator EmulatorOptions): development values.</summary>
    public const string EmulatorTenantId = "b1f00057-7e4a-4e00-8000-000000000e17";
    public const string EmulatorClientId = "b1f00057-c11e-4e00-8000-0000000000c1";
    public const string EmulatorClientSecret = "emulator-secret";
    private const string DevGraphSecretVariable = "BIFROST_DEV_GRAPH_SECRET";

    /// <summary>
    /// Points reconciliation's Graph client (base URL and token authority) at the emulator instead of the cloud, gives
    /// it the Development provider's Graph secret (<c>env.BIFROST_DEV_GRAPH_SECRET</c>) and that provider's scope: the
    /// emulator's enterprise app.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGraphEmulator(this IResourceBuilder<ProjectResource> reconciliation, IResourceBuilder<ProjectResource>? emulator)
    {
        if (emulator is null)
        {
            return reconciliation;
        }

        var endpoint = emulator.GetEndpoint("http");
        var seed = int.Parse(reconciliation.ApplicationBuilder.Configuration["Bifrost:GraphEmulator:Seed"] ?? "42", System.Globalization.CultureInfo.InvariantCulture);
        return reconciliation
            .WithReference(emulator).WaitFor(emulator)
            .WithEnvironment("Bifrost__Reconciliation__Graph__BaseUrl", ReferenceExpression.Create($"{endpoint}/v1.0"))
            .WithEnvironment("Bifrost__Reconciliation__Graph__AuthorityHost", endpoint)
            .WithEnvironment(DevGraphSecretVariable, EmulatorClientSecret)
            // No start-up run against the emulator unless asked: in the demo the simulator's initial cycle comes first.
            .WithEnvironment("Bifrost__Reconciliation__RunOnStartup", reconciliation.ApplicationBuilder.Configuration["Bifrost:Reconciliation:RunOnStartup"] ?? "false")
            .WithEnvironment($"Bifrost__Reconciliation__Providers__{Extensions.DevProviderId}__ServicePrincipalId", EmulatorServicePrincipalId(seed).ToString());
    }

    /// <summary>Development: the seeded provider gets the emulator's Graph credentials (the secret by reference).</summary>
    internal static IResourceBuilder<ProjectResource> WithDevelopmentGraphCredentials(this IResourceBuilder<ProjectResource> identity, IResourceBuilder<ProjectResource>? emulator, DevelopmentCredentials? credentials) =>
        emulator is null || credentials is null
            ? identity
            : identity
                .WithEnvironment("Bifrost__Providers__Seed__0__TenantId", EmulatorTenantId)
                .WithEnvironment("Bifrost__Providers__Seed__0__ClientId", EmulatorClientId)
                .WithEnvironment("Bifrost__Providers__Seed__0__ClientSecret", $"env.{DevGraphSecretVariable}");

    /// <summary>The emulator's enterprise app object id for a seed (SyntheticDirectory.ServicePrincipalId, same derivation).</summary>
    internal static Guid EmulatorServicePrincipalId(int seed)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:sp:0"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x40);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        BitConverter.TryWriteBytes(hash[12..16], 0);
        return new Guid(hash[..16]);
    }
}
