using System.Diagnostics;
using System.Net.Sockets;

namespace Bifrost.Testing;

/// <summary>
/// A private RabbitMQ node of the test's own (the AppHost's <c>infra/rabbitmq.sh</c>), which a test may stop and start
/// again to simulate a broker outage without disturbing the shared one.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"bifrost-rabbit-{Guid.NewGuid():N}");
    private readonly int _amqpPort = TestEnvironment.FreeTcpPort();
    private readonly int _distPort = TestEnvironment.FreeTcpPort();
    private readonly int _epmdPort = TestEnvironment.FreeTcpPort();
    private readonly string _password = Guid.NewGuid().ToString("N");
    private Process? _process;

    public string ConnectionString => $"amqp://bifrost:{_password}@127.0.0.1:{_amqpPort}";

    public static async Task<RabbitMqNode> StartNewAsync(CancellationToken cancellationToken = default)
    {
        var node = new RabbitMqNode();
        await node.StartAsync(cancellationToken);
        return node;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var script = Path.Combine(TestEnvironment.RepositoryRoot, "AppHost", "infra", "rabbitmq.sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["RABBITMQ_NODE_PORT"] = _amqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RABBITMQ_DIST_PORT"] = _distPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["BIFROST_RABBIT_DIR"] = _dir;
        start.Environment["BIFROST_RABBIT_NODENAME"] = $"test{_amqpPort}";
        start.Environment["BIFROST_RABBIT_USER"] = "bifrost";
        start.Environment["BIFROST_RABBIT_PASSWORD"] = _password;
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start RabbitMQ.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            timeout.Token.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"RabbitMQ exited with code {_process.ExitCode} while starting.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", _amqpPort, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(250, timeout.Token);
            }
        }
    }

    /// <summary>Stops the node (clean shutdown through the wrapper) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Signal(process.Id, "TERM");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (process.HasExited)
            {
                // The wrapper exited, but something it started still holds its output open: the node is down all the same.
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("RabbitMQ did not stop within 30 s of SIGTERM.");
            }
        }

        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill?.WaitForExit();
    }
}
