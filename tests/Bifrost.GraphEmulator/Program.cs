using Bifrost.GraphEmulator;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddOptions<EmulatorOptions>().BindConfiguration("Emulator");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<EmulatorState>();
builder.Services.AddSingleton(sp =>
{
    var options = sp.GetRequiredService<IOptions<EmulatorOptions>>().Value;
    return new SyntheticDirectory(new DirectoryOptions(options.Users, options.Groups, options.Seed) { MembershipsPerUser = options.MembershipsPerUser });
});

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGraphApi();
app.MapAdminApi();

app.Run();
