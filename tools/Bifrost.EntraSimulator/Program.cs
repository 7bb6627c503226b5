using Bifrost.EntraSimulator;

var options = SimulatorOptions.Parse(args, Environment.GetEnvironmentVariable, out var error);
if (options is null)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(SimulatorOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

Console.WriteLine($"Entra simulator: {options.Cycle.ToString().ToLowerInvariant()} cycle, {options.Users} users, {options.Groups} groups, seed {options.Seed}, concurrency {options.Concurrency}, rate {(options.Rate > 0 ? $"{options.Rate}/s" : "uncapped")}, skip {options.SkipFraction:P0}, gateway {options.Gateway}");
try
{
    var summary = await new EntraProvisioningSimulator(options, Console.Out).RunAsync(cancel.Token);
    Console.WriteLine(summary);
    return summary.Errors == 0 ? 0 : 1;
}
catch (SimulatorException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
