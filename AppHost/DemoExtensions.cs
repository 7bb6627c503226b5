using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Bifrost.AppHost;

/// <summary>
/// The live demo on <c>run</c>: in Development (unless <c>Bifrost:Demo:Enabled</c> is false) the Entra simulator
/// (tools/Bifrost.EntraSimulator) runs once as the <c>entra-simulator</c> resource. It waits for the first gateway,
/// gives the Development provider demo mapping rules through the admin API, then runs Entra's initial cycle over the
/// Graph emulator's directory (same <c>Bifrost:GraphEmulator</c> size and seed, so Graph and SCIM tell the same story)
/// and exits. <c>Bifrost:Demo:SkipFraction</c> (default 0.05) leaves some users and memberships out on purpose: the
/// drift a reconciliation run finds and repairs.
/// </summary>
internal static class DemoExtensions
{
    public static IResourceBuilder<ProjectResource>? AddDemo(
        this IDistributedApplicationBuilder builder, DevelopmentCredentials? credentials,
        IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ProjectResource>? graphEmulator)
    {
        if (!builder.Environment.IsDevelopment() || !builder.Configuration.GetValue("Bifrost:Demo:Enabled", true) || credentials is null)
        {
            return null;
        }

        var directory = builder.Configuration.GetSection("Bifrost:GraphEmulator");
        var demo = builder.Configuration.GetSection("Bifrost:Demo");
        var simulator = builder.AddProject<Projects.Bifrost_EntraSimulator>("entra-simulator")
            .WithArgs(context =>
            {
                context.Args.Add("--gateway");
                context.Args.Add(gateway.GetEndpoint("http"));
                context.Args.Add("--demo-provider");
                context.Args.Add(Extensions.DevProviderId);
                context.Args.Add("--users");
                context.Args.Add(directory["Users"] ?? "300");
                context.Args.Add("--groups");
                context.Args.Add(directory["Groups"] ?? "30");
                context.Args.Add("--seed");
                context.Args.Add(directory["Seed"] ?? "42");
                if (directory["MembershipsPerUser"] is { Length: > 0 } perUser)
                {
                    context.Args.Add("--memberships-per-user");
                    context.Args.Add(perUser);
                }

                context.Args.Add("--skip-fraction");
                context.Args.Add(demo["SkipFraction"] ?? "0.05");
                context.Args.Add("--concurrency");
                context.Args.Add(demo["Concurrency"] ?? "4");
                context.Args.Add("--rate");
                context.Args.Add(demo["Rate"] ?? "50");
            })
            .WithEnvironment("ENTRA_SIMULATOR_TOKEN", credentials.ScimToken)
            .WithEnvironment("ENTRA_SIMULATOR_ADMIN_KEY", credentials.AdminKey)
            .WaitFor(gateway);
        if (graphEmulator is not null)
        {
            simulator.WaitFor(graphEmulator);
        }

        return simulator;
    }
}
