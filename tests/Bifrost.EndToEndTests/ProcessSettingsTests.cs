namespace Bifrost.EndToEndTests;

/// <summary>The runtime settings the AppHost gives every project for a machine the whole system shares.</summary>
public sealed class ProcessSettingsTests(BifrostAppFixture app)
{
    [Fact]
    public void Every_running_service_sleeps_idle_workers_and_continues_socket_completions_inline()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the processes' environments from /proc");

        // This run's service processes: their connection strings name the run's own data folder.
        var services = new Dictionary<string, Dictionary<string, string>>();
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string commandLine, environ;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ');
                environ = File.ReadAllText(Path.Combine(process, "environ"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // a process that ended meanwhile
            }

            if (!environ.Contains(app.DataDir, StringComparison.Ordinal)
                || commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileName).FirstOrDefault(n => n?.StartsWith("Bifrost.", StringComparison.Ordinal) == true) is not { } name)
            {
                continue;
            }

            services[$"{name} ({Path.GetFileName(process)})"] = environ.Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => v.Split('=', 2)).Where(kv => kv.Length == 2).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        }

        foreach (var service in new[] { "Bifrost.Ingestion", "Bifrost.Identity", "Bifrost.TeamMapping", "Bifrost.Reconciliation" })
        {
            Assert.Contains(services.Keys, k => k.StartsWith(service + " ", StringComparison.Ordinal) || k.StartsWith(service + ".dll ", StringComparison.Ordinal));
        }

        foreach (var (service, environment) in services)
        {
            Assert.True(environment.TryGetValue("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", out var inline), service);
            Assert.Equal("1", inline);
            Assert.True(environment.TryGetValue("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", out var spin), service);
            Assert.Equal("0", spin);
        }
    }
}
