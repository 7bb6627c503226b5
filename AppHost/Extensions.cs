using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Bifrost.AppHost;

/// <summary>Where PostgreSQL and RabbitMQ come from.</summary>
internal enum InfrastructureMode
{
    /// <summary>Containers when a Docker engine answers, local processes otherwise.</summary>
    Auto,
    Containers,

    /// <summary>PostgreSQL and RabbitMQ started by the AppHost as local processes (no Docker).</summary>
    Local,

    /// <summary>Connection strings from configuration (<c>ConnectionStrings:ingestiondb</c>, …, <c>ConnectionStrings:eventbus</c>).</summary>
    External,
}

internal sealed class BifrostInfrastructure(
    Func<string, IResourceBuilder<IResourceWithConnectionString>> database,
    IResourceBuilder<IResourceWithConnectionString> eventBus,
    IReadOnlyList<IResourceBuilder<IResource>> servers)
{
    private readonly Dictionary<string, IResourceBuilder<IResourceWithConnectionString>> _databases = [];

    public IResourceBuilder<IResourceWithConnectionString> EventBus => eventBus;

    /// <summary>The servers services must wait for (never a connection-string resource: that one does not wait).</summary>
    public IReadOnlyList<IResourceBuilder<IResource>> Servers => servers;

    public IResourceBuilder<IResourceWithConnectionString> Database(string name)
    {
        if (!_databases.TryGetValue(name, out var db))
        {
            _databases[name] = db = database(name);
        }

        return db;
    }
}

/// <summary>The Development secrets, as AppHost parameters (never in configuration files).</summary>
internal sealed record DevelopmentCredentials(IResourceBuilder<ParameterResource> ScimToken, IResourceBuilder<ParameterResource> AdminKey, IResourceBuilder<ParameterResource> ViewerKey);

internal static class Extensions
{
    /// <summary>The provider seeded in Development; its token comes from BIFROST_DEV_SCIM_TOKEN.</summary>
    public const string DevProviderId = "0b1f0057-0000-4000-8000-00000000e17a";

    /// <summary>Development defaults, documented in the README. Never used outside Development.</summary>
    public const string DevScimTokenDefault = "bifrost-dev-scim-token-change-me-0123456789";
    public const string DevAdminKeyDefault = "bifrost-dev-admin-key";
    public const string DevViewerKeyDefault = "bifrost-dev-viewer-key";
    public const string DevProviderName = "Development Entra";

    public static BifrostInfrastructure AddBifrostInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var mode = builder.Configuration.GetValue("Bifrost:Infrastructure", InfrastructureMode.Auto);
        if (mode == InfrastructureMode.Auto)
        {
            mode = DockerEngineAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Local;
        }

        if (mode != InfrastructureMode.Containers)
        {
            builder.WithoutContainerRuntimeChecks();
        }

        return mode switch
        {
            InfrastructureMode.Containers => builder.AddContainerInfrastructure(),
            InfrastructureMode.Local => builder.AddLocalInfrastructure(),
            _ => new BifrostInfrastructure(name => builder.AddConnectionString(name), builder.AddConnectionString("eventbus"), []),
        };
    }

    private static BifrostInfrastructure AddContainerInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres").WithLifetime(ContainerLifetime.Persistent);
        var rabbit = builder.AddRabbitMQ("eventbus").WithLifetime(ContainerLifetime.Persistent);
        return new BifrostInfrastructure(
            name => postgres.AddDatabase(name, name[..^2]),
            rabbit,
            [postgres, rabbit]);
    }

    private static BifrostInfrastructure AddLocalInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var scripts = Path.Combine(builder.AppHostDirectory, "infra");
        var dataDir = builder.Configuration["Bifrost:DataDir"] ?? Path.Combine(Path.GetTempPath(), "bifrost-dev");
        var ephemeral = builder.Configuration.GetValue("Bifrost:Ephemeral", false) ? "1" : "0";

        // Fresh random passwords every run: the scripts set them on the (possibly existing) cluster and node.
        var pgPassword = builder.AddParameter("postgres-password", RandomNumberGenerator.GetHexString(32, lowercase: true), secret: true);
        var postgres = builder.AddExecutable("postgres", "bash", scripts, Path.Combine(scripts, "postgres.sh"))
            .WithEndpoint(name: "tcp", scheme: "tcp", env: "PGPORT")
            .WithEnvironment("BIFROST_PG_DIR", Path.Combine(dataDir, "postgres"))
            .WithEnvironment("BIFROST_PG_PASSWORD", pgPassword)
            .WithEnvironment("BIFROST_EPHEMERAL", ephemeral)
            .WithEnvironment("BIFROST_PG_FSYNC", builder.Configuration["Bifrost:Postgres:Fsync"] ?? "on")
            .WithEnvironment("BIFROST_PG_SYNCHRONOUS_COMMIT", builder.Configuration["Bifrost:Postgres:SynchronousCommit"] ?? "on")
            .WithHealthCheck("postgres-ready")
            .WithEndpointProxySupport(false);
        var pg = postgres.GetEndpoint("tcp");

        // The services connect through the Unix socket postgres.sh opens in the data folder (-k): on one machine it
        // costs the kernel far less per round trip than loopback TCP. The port names the socket file.
        var socketDirectory = Path.Combine(dataDir, "postgres");
        ReferenceExpression PostgresConnection(string database) =>
            ReferenceExpression.Create($"Host={socketDirectory};Port={pg.Property(EndpointProperty.Port)};Username=postgres;Password={pgPassword};Database={database}");

        var rabbitPassword = builder.AddParameter("rabbitmq-password", RandomNumberGenerator.GetHexString(32, lowercase: true), secret: true);
        var rabbit = builder.AddExecutable("rabbitmq", "bash", scripts, Path.Combine(scripts, "rabbitmq.sh"))
            .WithEndpoint(name: "amqp", scheme: "tcp", env: "RABBITMQ_NODE_PORT")
            .WithEndpoint(name: "dist", scheme: "tcp", env: "RABBITMQ_DIST_PORT")
            .WithEndpoint(name: "epmd", scheme: "tcp", env: "ERL_EPMD_PORT")
            .WithEnvironment("BIFROST_RABBIT_DIR", Path.Combine(dataDir, "rabbitmq"))
            .WithEnvironment("BIFROST_RABBIT_USER", "bifrost")
            .WithEnvironment("BIFROST_RABBIT_PASSWORD", rabbitPassword)
            .WithEnvironment("BIFROST_EPHEMERAL", ephemeral)
            .WithHealthCheck("rabbitmq-ready")
            .WithEndpointProxySupport(false);
        var amqp = rabbit.GetEndpoint("amqp");
        var eventBus = builder.AddConnectionString("eventbus",
            ReferenceExpression.Create($"amqp://bifrost:{rabbitPassword}@{amqp.Property(EndpointProperty.Host)}:{amqp.Property(EndpointProperty.Port)}"));

        builder.Services.AddHealthChecks()
            .AddCheck("postgres-ready", new PostgresReadyCheck(PostgresConnection("postgres")))
            .AddCheck("rabbitmq-ready", new RabbitMqReadyCheck(eventBus.Resource.ConnectionStringExpression));

        return new BifrostInfrastructure(
            name => builder.AddConnectionString(name, PostgresConnection(name[..^2])),
            eventBus,
            [postgres, rabbit]);
    }

    /// <summary>
    /// <c>Bifrost:Telemetry:TraceSampleRatio</c> (say 0.05 for a load test): every project samples that share of new traces
    /// (parent-based, so a trace is kept or dropped whole across services). Unset, development traces everything.
    /// </summary>
    public static IDistributedApplicationBuilder WithTraceSampling(this IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration["Bifrost:Telemetry:TraceSampleRatio"] is not { Length: > 0 } ratio)
        {
            return builder;
        }

        return builder.WithEnvironmentOnEveryProject(("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", ratio));
    }

    /// <summary>
    /// <c>Bifrost:Telemetry:ExportIntervalMs</c>: how often every project exports its metrics, and its batched logs and
    /// spans, to the dashboard. Aspire makes it a second in development, so that the dashboard's charts move; each
    /// export collects every instrument of the process at once. Unset keeps Aspire's second (a load test may want the
    /// OpenTelemetry default of 60 s for metrics, closer to production).
    /// </summary>
    public static IDistributedApplicationBuilder WithTelemetryExportInterval(this IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration["Bifrost:Telemetry:ExportIntervalMs"] is not { Length: > 0 } interval)
        {
            return builder;
        }

        return builder.WithEnvironmentOnEveryProject(
            ("OTEL_METRIC_EXPORT_INTERVAL", interval), ("OTEL_BLRP_SCHEDULE_DELAY", interval), ("OTEL_BSP_SCHEDULE_DELAY", interval));
    }

    /// <summary>
    /// Every service, PostgreSQL, RabbitMQ and the dashboard share this machine's cores. An idle .NET thread-pool worker
    /// spins before it sleeps, which pays on a dedicated server and wastes a shared core: under SCIM load a third of
    /// ingestion's CPU went to spinning. <c>Bifrost:ThreadPoolSpinLimit</c> (0 by default here; empty keeps the
    /// runtime's default) is passed to every project as <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit</c>.
    /// <para>
    /// Waking a sleeping thread is what a request costs most at a moderate rate on this kind of machine: at 100 user
    /// PATCHes a second, ingestion switched threads 75 times per PATCH and spent 4 ms of CPU on it, against 0.6 ms at
    /// saturation. By default every socket completion is handed from the socket engine's thread to a thread-pool worker,
    /// which must be woken. <c>Bifrost:InlineSocketCompletions</c> (true by default here) runs the continuation on the
    /// engine's thread instead (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, one engine per core). That is
    /// safe for code that never blocks a thread on I/O, which ours does not (no <c>.Result</c>, <c>.Wait()</c> or
    /// <c>GetResult()</c> on a task; the end-to-end tests run with it); code that did would stall every socket of its
    /// engine meanwhile. <c>false</c> keeps the runtime's default.
    /// </para>
    /// </summary>
    public static IDistributedApplicationBuilder WithSharedMachineThreadPools(this IDistributedApplicationBuilder builder)
    {
        var variables = new List<(string Name, string Value)>();
        if ((builder.Configuration["Bifrost:ThreadPoolSpinLimit"] ?? "0") is { Length: > 0 } limit)
        {
            variables.Add(("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", limit));
        }

        if (builder.Configuration.GetValue("Bifrost:InlineSocketCompletions", true))
        {
            variables.Add(("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"));
        }

        return builder.WithEnvironmentOnEveryProject([.. variables]);
    }

    /// <summary>Sets these environment variables on every project added so far (the services, the emulators).</summary>
    private static IDistributedApplicationBuilder WithEnvironmentOnEveryProject(this IDistributedApplicationBuilder builder, params (string Name, string Value)[] variables)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            var resource = builder.CreateResourceBuilder(project);
            foreach (var (name, value) in variables)
            {
                resource.WithEnvironment(name, value);
            }
        }

        return builder;
    }

    /// <summary>
    /// Caps the service's PostgreSQL connection pool (<c>Bifrost:Database:MaxPoolSize</c>) at the value of
    /// <paramref name="configKey"/>, or <paramref name="defaultSize"/>; 0 keeps Npgsql's 100. Ingestion answers SCIM from
    /// a database that shares this machine's two cores, and every backend it keeps busy competes for them: 32 concurrent
    /// lookups did about a quarter more per second through 8 connections than through 34. Since user writes are
    /// committed in batches, 8 no longer slows them: creates cost PostgreSQL a third less CPU through 8 than through 16
    /// (BENCHMARKS.md, sessions 9 and 20).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDatabasePoolSize(this IResourceBuilder<ProjectResource> project, string configKey, int defaultSize)
    {
        var size = project.ApplicationBuilder.Configuration.GetValue(configKey, defaultSize);
        return size > 0 ? project.WithEnvironment("Bifrost__Database__MaxPoolSize", size.ToString(System.Globalization.CultureInfo.InvariantCulture)) : project;
    }

    /// <summary>
    /// The service's database (migrated at start), the event bus unless <paramref name="events"/> is false (a service
    /// that publishes and consumes nothing), its <c>/health</c> check and direct endpoints; it starts once the servers answer.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithInfrastructure(this IResourceBuilder<ProjectResource> project, BifrostInfrastructure infrastructure, string database, bool events = true)
    {
        project.WithReference(infrastructure.Database(database));
        if (events)
        {
            project.WithReference(infrastructure.EventBus);
        }

        project
            .WithEnvironment("Bifrost__Database__MigrateOnStartup", "true")
            .WithHttpHealthCheck("/health")
            .WithDirectEndpoints();
        foreach (var server in infrastructure.Servers)
        {
            project.WaitFor(server);
        }

        return project;
    }

    /// <summary>
    /// Proxy-less endpoints: the project listens on its own port and callers connect to it directly. Through DCP's proxy
    /// every request took one more loopback hop per service crossed (two for a SCIM call: client → gateway → ingestion),
    /// and the proxy's CPU competes with the services for the machine's cores. Nothing here runs replicas behind one
    /// address, which is what the proxy is for. The launch profile's fixed port is dropped (an explicit port, like the
    /// gateway's, is kept) so that any free port is taken, as the proxy did.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDirectEndpoints(this IResourceBuilder<ProjectResource> project, int? port = null)
    {
        project.WithEndpointProxySupport(false);
        return project.WithEndpoint("http", endpoint =>
        {
            endpoint.Port = port;
            endpoint.TargetPort = port;
        });
    }

    /// <summary>
    /// An HTTP/2-only (prior knowledge, cleartext) endpoint <c>h2</c> beside <c>http</c>, for the gateway's forwarding
    /// (<see cref="WithForwardingOverHttp2"/>). Kestrel serves prior-knowledge HTTP/2 only on an endpoint whose protocols
    /// are <c>Http2</c> alone (it does not detect it on a mixed cleartext endpoint, dotnet/aspnetcore#56984), so both
    /// endpoints are bound through Kestrel's configuration rather than ASPNETCORE_URLS. Health checks and every other
    /// caller keep using <c>http</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHttp2Endpoint(this IResourceBuilder<ProjectResource> project)
    {
        project.WithEndpoint(Http2EndpointName, endpoint =>
        {
            endpoint.UriScheme = "http";
            endpoint.Transport = "http2";
            endpoint.IsProxied = false;
        }, createIfNotExists: true);
        var http = project.GetEndpoint("http");
        var h2 = project.GetEndpoint(Http2EndpointName);
        var host = project.ApplicationBuilder.ExecutionContext.IsPublishMode ? "*" : "localhost"; // as Aspire's own Kestrel overrides
        return project
            .WithEndpointsInEnvironment(_ => false)
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables["Kestrel__Endpoints__http__Url"] = ReferenceExpression.Create($"http://{host}:{http.Property(EndpointProperty.TargetPort)}");
                context.EnvironmentVariables[$"Kestrel__Endpoints__{Http2EndpointName}__Url"] = ReferenceExpression.Create($"http://{host}:{h2.Property(EndpointProperty.TargetPort)}");
                context.EnvironmentVariables[$"Kestrel__Endpoints__{Http2EndpointName}__Protocols"] = "Http2";
            });
    }

    public const string Http2EndpointName = "h2";

    /// <summary>
    /// The gateway's YARP cluster named after <paramref name="backend"/> forwards to the backend's <c>h2</c> endpoint over
    /// HTTP/2: one connection per gateway carries every concurrent request as a stream. Over HTTP/1.1 the proxy holds a
    /// connection per request in flight and opens new ones whenever a burst outgrows its pool; near capacity that cost
    /// more CPU per request and a slower median (BENCHMARKS.md, session 19). Outside the AppHost the cluster keeps its
    /// HTTP/1.1 default from the gateway's appsettings.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithForwardingOverHttp2(this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ProjectResource> backend)
    {
        if (!backend.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == Http2EndpointName))
        {
            throw new InvalidOperationException($"'{backend.Resource.Name}' has no '{Http2EndpointName}' endpoint: call WithHttp2Endpoint() on it first.");
        }

        var cluster = $"ReverseProxy__Clusters__{backend.Resource.Name}";
        return gateway
            .WithEnvironment($"{cluster}__Destinations__d1__Address", $"http://_{Http2EndpointName}.{backend.Resource.Name}")
            .WithEnvironment($"{cluster}__HttpRequest__Version", "2")
            .WithEnvironment($"{cluster}__HttpRequest__VersionPolicy", "RequestVersionExact");
    }

    /// <summary>
    /// The gateway replicas (<c>Bifrost:GatewayReplicas</c>, 2 by default): <c>gateway</c> on <c>Bifrost:GatewayPort</c>
    /// (8080 by default; 0 = any free port), <c>gateway-2</c> on the next port, and so on. Each one needs the event bus
    /// (its own token-event queue) besides the services <paramref name="configure"/> wires.
    /// </summary>
    public static IReadOnlyList<IResourceBuilder<ProjectResource>> AddGateways(
        this IDistributedApplicationBuilder builder, BifrostInfrastructure infrastructure, DevelopmentCredentials? credentials,
        Func<IResourceBuilder<ProjectResource>, IResourceBuilder<ProjectResource>> configure)
    {
        var replicas = Math.Max(1, builder.Configuration.GetValue("Bifrost:GatewayReplicas", 2));
        var port = builder.Configuration.GetValue("Bifrost:GatewayPort", 8080);
        var gateways = new List<IResourceBuilder<ProjectResource>>();
        for (var i = 0; i < replicas; i++)
        {
            var gateway = builder.AddProject<Projects.Bifrost_Gateway>(i == 0 ? "gateway" : $"gateway-{i + 1}")
                .WithReference(infrastructure.EventBus)
                .WithHttpHealthCheck("/health")
                .WithExternalHttpEndpoints()
                .WithDirectEndpoints(port == 0 ? null : port + i);
            foreach (var server in infrastructure.Servers)
            {
                gateway.WaitFor(server);
            }

            if (credentials is not null)
            {
                gateway.WithDevelopmentCredentials(credentials);
            }

            // Gateway limits set on the AppHost (e.g. --Bifrost:Gateway:Limits:PermitsPerSecond=5000 for a load test).
            foreach (var limit in builder.Configuration.GetSection("Bifrost:Gateway:Limits").GetChildren())
            {
                gateway.WithEnvironment($"Bifrost__Gateway__Limits__{limit.Key}", limit.Value);
            }

            gateways.Add(configure(gateway));
        }

        return gateways;
    }

    /// <summary>
    /// Development only: a provider whose SCIM token is BIFROST_DEV_SCIM_TOKEN and an admin key BIFROST_ADMIN_KEY,
    /// both with documented defaults, printed at start. Outside Development nothing is seeded (null).
    /// </summary>
    public static DevelopmentCredentials? AddDevelopmentCredentials(this IDistributedApplicationBuilder app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return null;
        }

        var token = app.Configuration["BIFROST_DEV_SCIM_TOKEN"] is { Length: > 0 } t ? t : DevScimTokenDefault;
        var adminKey = app.Configuration["BIFROST_ADMIN_KEY"] is { Length: > 0 } k ? k : DevAdminKeyDefault;
        var tokenParameter = app.AddParameter("dev-scim-token", token, secret: true);
        var adminKeyParameter = app.AddParameter("dev-admin-key", adminKey, secret: true);
        var viewerKey = app.Configuration["BIFROST_VIEWER_KEY"] is { Length: > 0 } v ? v : DevViewerKeyDefault;
        var viewerKeyParameter = app.AddParameter("dev-viewer-key", viewerKey, secret: true);

        var port = app.Configuration.GetValue("Bifrost:GatewayPort", 8080);
        var url = port == 0 ? "(a random port: see the dashboard)" : $"http://localhost:{port}";
        Console.WriteLine($"""
            Bifrost (Development)
              Gateway:                 {url}
              SCIM endpoint (Entra Tenant URL): {url}/scim/v2
              Dev provider id:         {DevProviderId}
              Dev SCIM token:          {(token == DevScimTokenDefault ? $"{token} (default; set BIFROST_DEV_SCIM_TOKEN)" : "from BIFROST_DEV_SCIM_TOKEN")}
              Dev admin key:           {(adminKey == DevAdminKeyDefault ? $"{adminKey} (default; set BIFROST_ADMIN_KEY)" : "from BIFROST_ADMIN_KEY")}
              Dev viewer key (read-only): {(viewerKey == DevViewerKeyDefault ? $"{viewerKey} (default; set BIFROST_VIEWER_KEY)" : "from BIFROST_VIEWER_KEY")}
            """);

        return new DevelopmentCredentials(tokenParameter, adminKeyParameter, viewerKeyParameter);
    }

    /// <summary>
    /// The gateway side of the development credentials: the admin key, a read-only viewer key, and the Development provider's token as a
    /// configured credential (which still works when identity is unreachable; identity's state for the provider wins).
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithDevelopmentCredentials(this IResourceBuilder<ProjectResource> gateway, DevelopmentCredentials credentials) =>
        gateway
            .WithEnvironment("BIFROST_DEV_SCIM_TOKEN", credentials.ScimToken)
            .WithEnvironment("BIFROST_ADMIN_KEY", credentials.AdminKey)
            .WithEnvironment("Bifrost__Gateway__Providers__0__Id", DevProviderId)
            .WithEnvironment("Bifrost__Gateway__Providers__0__Name", DevProviderName)
            .WithEnvironment("Bifrost__Gateway__Providers__0__Token", "env.BIFROST_DEV_SCIM_TOKEN")
            .WithEnvironment("Bifrost__Gateway__AdminKeys__0__Name", "development")
            .WithEnvironment("Bifrost__Gateway__AdminKeys__0__Role", "Admin")
            .WithEnvironment("Bifrost__Gateway__AdminKeys__0__Key", "env.BIFROST_ADMIN_KEY")
            .WithEnvironment("BIFROST_VIEWER_KEY", credentials.ViewerKey)
            .WithEnvironment("Bifrost__Gateway__AdminKeys__1__Name", "development-viewer")
            .WithEnvironment("Bifrost__Gateway__AdminKeys__1__Role", "Viewer")
            .WithEnvironment("Bifrost__Gateway__AdminKeys__1__Key", "env.BIFROST_VIEWER_KEY");

    /// <summary>Identity seeds the Development provider (fixed id, token from BIFROST_DEV_SCIM_TOKEN) at start, idempotently.</summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentProvider(this IResourceBuilder<ProjectResource> identity, DevelopmentCredentials? credentials) =>
        credentials is null
            ? identity
            : identity
                .WithEnvironment("BIFROST_DEV_SCIM_TOKEN", credentials.ScimToken)
                .WithEnvironment("Bifrost__Providers__Seed__0__Id", DevProviderId)
                .WithEnvironment("Bifrost__Providers__Seed__0__Name", DevProviderName)
                .WithEnvironment("Bifrost__Providers__Seed__0__Kind", "entra")
                .WithEnvironment("Bifrost__Providers__Seed__0__ScimToken", "env.BIFROST_DEV_SCIM_TOKEN");

    /// <summary>
    /// Without containers, DCP (Aspire's orchestrator) still checks the container runtime every 5 seconds. With Docker's
    /// CLI installed, each check runs <c>docker --version</c> or <c>docker network ls</c>, even when no engine answers.
    /// Each run took the CLI 30–50 ms of CPU, on the cores the services share: a profile at 1,000 SCIM creates/s put it
    /// at 1.2 % of a 2-core machine, in bursts of up to 0.1 s of CPU every 5–10 s (BENCHMARKS.md, session 28). So when
    /// no runtime is configured (<c>ASPIRE_CONTAINER_RUNTIME</c>, its older <c>DOTNET_</c> name, or
    /// <c>DcpPublisher:ContainerRuntime</c>) and Podman's CLI is not on the PATH, the runtime is named Podman. DCP's check
    /// is then a PATH lookup that fails, and no process is started. There is no container for it to run either way.
    /// </summary>
    private static void WithoutContainerRuntimeChecks(this IDistributedApplicationBuilder builder)
    {
        const string Setting = "DcpPublisher:ContainerRuntime";
        if (builder.Configuration[Setting] is { Length: > 0 }
            || builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 }
            || builder.Configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 }
            || OnPath("podman"))
        {
            return;
        }

        builder.Configuration[Setting] = "podman";
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, command)));

    private static bool DockerEngineAnswers()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (docker is null)
            {
                return false;
            }

            if (!docker.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                docker.Kill(entireProcessTree: true);
                return false;
            }

            return docker.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no docker client at all
        }
    }
}
