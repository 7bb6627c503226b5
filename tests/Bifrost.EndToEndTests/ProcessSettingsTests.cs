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
        foreach (var process in Processes())
        {
            string environ;
            try
            {
                environ = File.ReadAllText($"/proc/{process.Id}/environ");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // a process that ended meanwhile
            }

            if (!environ.Contains(app.DataDir, StringComparison.Ordinal)
                || process.Arguments.Select(Path.GetFileName).FirstOrDefault(n => n?.StartsWith("Bifrost.", StringComparison.Ordinal) == true) is not { } name)
            {
                continue;
            }

            services[$"{name} ({process.Id})"] = environ.Split('\0', StringSplitOptions.RemoveEmptyEntries)
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

    [Fact]
    public async Task Without_containers_the_orchestrator_starts_no_container_runtime_cli()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the processes from /proc");
        Assert.SkipWhen(OnPath("podman"), "Podman's CLI is installed: the AppHost leaves DCP's runtime as it is");

        // This run's DCP: the API server watches this process (the AppHost runs in it), the controllers watch the server.
        var processes = Processes();
        var server = processes.Single(p => p.Arguments.Contains("start-apiserver") && MonitorOf(p) == Environment.ProcessId);
        var controllers = processes.Single(p => p.Arguments.Contains("run-controllers") && MonitorOf(p) == server.Id);
        Assert.Equal("podman", ArgumentAfter(controllers, "--container-runtime"));

        // DCP checks its container runtime every 5 s: over 11 s, with Docker's CLI on the PATH, it started two or three
        // `docker` processes (30-50 ms of CPU each). A failing PATH lookup starts none.
        var started = new HashSet<string>();
        var until = DateTime.UtcNow.AddSeconds(11);
        while (DateTime.UtcNow < until)
        {
            foreach (var child in Processes().Where(p => p.ParentId == controllers.Id))
            {
                started.Add(Path.GetFileName(child.Arguments.FirstOrDefault() ?? ""));
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.DoesNotContain("docker", started);
        Assert.DoesNotContain("podman", started);
    }

    private sealed record ProcessInfo(int Id, int ParentId, string[] Arguments);

    private static List<ProcessInfo> Processes()
    {
        var processes = new List<ProcessInfo>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var id))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                processes.Add(new ProcessInfo(id, parent, arguments));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // a process that ended meanwhile
            }
        }

        return processes;
    }

    private static string? ArgumentAfter(ProcessInfo process, string name) =>
        process.Arguments.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    private static int? MonitorOf(ProcessInfo process) =>
        int.TryParse(ArgumentAfter(process, "--monitor"), out var id) ? id : null;

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, command)));
}
