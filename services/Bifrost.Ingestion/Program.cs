var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseScimErrors();
app.MapDefaultEndpoints();
app.MapScimApi();
app.MapInternalExportApi();

app.Run();
