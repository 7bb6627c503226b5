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
            .WithHttpHealthCheck("/health");
    }

    /// <summary>Points reconciliation's Graph client (base URL and token authority) at the emulator instead of the cloud.</summary>
    public static IResourceBuilder<ProjectResource> WithGraphEmulator(this IResourceBuilder<ProjectResource> reconciliation, IResourceBuilder<ProjectResource>? emulator)
    {
        if (emulator is null)
        {
            return reconciliation;
        }

        var endpoint = emulator.GetEndpoint("http");
        return reconciliation
            .WithReference(emulator).WaitFor(emulator)
            .WithEnvironment("Bifrost__Reconciliation__Graph__BaseUrl", ReferenceExpression.Create($"{endpoint}/v1.0"))
            .WithEnvironment("Bifrost__Reconciliation__Graph__AuthorityHost", endpoint);
    }
}
