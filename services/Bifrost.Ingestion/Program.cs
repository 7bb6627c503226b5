var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddAdminOpenApi();

var app = builder.Build();

app.UseScimErrors();
app.MapDefaultEndpoints();
app.MapScimApi();
app.MapProvisioningLogApi();
app.MapInternalExportApi();

app.Run();
