var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddBifrostInfrastructure();
var credentials = builder.AddDevelopmentCredentials();

var ingestion = builder.AddProject<Projects.Bifrost_Ingestion>("ingestion").WithInfrastructure(infrastructure, "ingestiondb")
    .WithDatabasePoolSize("Bifrost:Ingestion:DatabasePoolSize", 8)
    .WithHttp2Endpoint();
var identity = builder.AddProject<Projects.Bifrost_Identity>("identity").WithInfrastructure(infrastructure, "identitydb")
    .WithDevelopmentProvider(credentials);
var teamMapping = builder.AddProject<Projects.Bifrost_TeamMapping>("team-mapping").WithInfrastructure(infrastructure, "teammappingdb");
var graphEmulator = builder.AddGraphEmulator();
identity.WithDevelopmentGraphCredentials(graphEmulator, credentials);
var reconciliation = builder.AddProject<Projects.Bifrost_Reconciliation>("reconciliation").WithInfrastructure(infrastructure, "reconciliationdb", events: false)
    .WithReference(ingestion).WaitFor(ingestion)
    .WithReference(identity).WaitFor(identity)
    .WithGraphEmulator(graphEmulator);

// Every gateway replica is a resource of its own ("gateway", "gateway-2", …) with its own port, so each one can be
// reached (and tested) directly; each learns provisioning tokens from identity through its own event queue.
var gateways = builder.AddGateways(infrastructure, credentials, gateway => gateway
    .WithReference(ingestion).WaitFor(ingestion)
    .WithForwardingOverHttp2(ingestion)
    .WithReference(identity).WaitFor(identity)
    .WithReference(teamMapping).WaitFor(teamMapping)
    .WithReference(reconciliation).WaitFor(reconciliation));

// The SCIM endpoint URL identity shows when SCIM is enabled: the (first) gateway's public address.
identity.WithEnvironment("Bifrost__PublicBaseUrl", gateways[0].GetEndpoint("http"));

// Development: the Entra simulator plays Entra's initial cycle once against the first gateway (AppHost/DemoExtensions.cs).
builder.AddDemo(credentials, gateways[0], graphEmulator);

builder.WithTraceSampling();
builder.WithTelemetryExportInterval();
builder.WithSharedMachineThreadPools();

builder.Build().Run();
