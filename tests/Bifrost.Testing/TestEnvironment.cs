using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Bifrost.Testing;

/// <summary>
/// The servers the test command started (see <c>eng/test.sh</c>): <c>BIFROST_TEST_PG</c> is an admin connection
/// string for PostgreSQL, <c>BIFROST_TEST_RABBIT</c> an amqp URI. Without them the tests that need them are skipped
/// explicitly (never passed silently).
/// </summary>
public static class TestEnvironment
{
    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("BIFROST_TEST_PG") is { Length: > 0 } value
            ? value
            : throw SkipException("BIFROST_TEST_PG is not set: run the tests with eng/test.sh, which starts PostgreSQL.");

    public static string RabbitMq =>
        Environment.GetEnvironmentVariable("BIFROST_TEST_RABBIT") is { Length: > 0 } value
            ? value
            : throw SkipException("BIFROST_TEST_RABBIT is not set: run the tests with eng/test.sh, which starts RabbitMQ.");

    /// <summary>The repository root (the folder holding Bifrost.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Exception SkipException(string reason)
    {
        Assert.Skip(reason);
        return new InvalidOperationException(reason);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Bifrost.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Bifrost.sln not found above " + AppContext.BaseDirectory);
    }
}
