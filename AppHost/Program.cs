var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddBifrostInfrastructure();

var ingestion = builder.AddProject<Projects.Bifrost_Ingestion>("ingestion").WithInfrastructure(infrastructure, "ingestiondb");
var identity = builder.AddProject<Projects.Bifrost_Identity>("identity").WithInfrastructure(infrastructure, "identitydb");
var teamMapping = builder.AddProject<Projects.Bifrost_TeamMapping>("team-mapping").WithInfrastructure(infrastructure, "teammappingdb");
var reconciliation = builder.AddProject<Projects.Bifrost_Reconciliation>("reconciliation").WithInfrastructure(infrastructure, "reconciliationdb")
    .WithReference(ingestion);

builder.AddProject<Projects.Bifrost_Gateway>("gateway")
    .WithReference(ingestion).WaitFor(ingestion)
    .WithReference(identity).WaitFor(identity)
    .WithReference(teamMapping).WaitFor(teamMapping)
    .WithReference(reconciliation).WaitFor(reconciliation)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WithGatewayPort()
    .WithDevelopmentCredentials();

builder.Build().Run();
