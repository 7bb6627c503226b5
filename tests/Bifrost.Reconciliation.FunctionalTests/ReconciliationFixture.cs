using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.GraphEmulator;
using Bifrost.Ingestion.Infrastructure;
using Bifrost.Reconciliation.Graph;
using Bifrost.Reconciliation.Infrastructure;
using Bifrost.Reconciliation.Services;
using Bifrost.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bifrost.Reconciliation.FunctionalTests;

/// <summary>A small Graph emulator (200 users, 12 groups by default) on a real Kestrel port, for runs that repair everything.</summary>
public sealed class SmallGraphEmulator : WebApplicationFactory<SyntheticDirectory>
{
    public const int Users = 200;
    public const int Groups = 12;
    public const int Seed = 11;
    private readonly int _users;
    private readonly int _groups;
    private readonly int? _membershipsPerUser;

    public SmallGraphEmulator() : this(Users, Groups)
    {
    }

    public SmallGraphEmulator(int users, int groups, int? membershipsPerUser = null)
    {
        (_users, _groups, _membershipsPerUser) = (users, groups, membershipsPerUser);
        UseKestrel(TestEnvironment.FreeTcpPort());
        StartServer();
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;

    /// <summary>The emulator's own directory (overlay included): what Graph answers now.</summary>
    public SyntheticDirectory Directory => Services.GetRequiredService<SyntheticDirectory>();

    public async Task MutateAsync(params object[] mutations)
    {
        using var admin = CreateClient();
        var response = await admin.PostAsJsonAsync("/admin/mutations", mutations, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Emulator:Users", _users.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Emulator:Groups", _groups.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Emulator:Seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (_membershipsPerUser is { } m)
        {
            builder.UseSetting("Emulator:MembershipsPerUser", m.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        builder.UseSetting("Emulator:TenantId", GraphEmulatorFixture.TenantId);
        builder.UseSetting("Emulator:ClientId", GraphEmulatorFixture.ClientId);
        builder.UseSetting("Emulator:ClientSecret", GraphEmulatorFixture.ClientSecret);
    }
}

/// <summary>Ingestion in-process on its own PostgreSQL database, listening on a real port (reconciliation calls it over HTTP).</summary>
public sealed class IngestionServer : ServiceFactory<IngestionDbContext, IngestionDbContext>
{
    public IngestionServer() : base("ingestiondb") => UseKestrel(TestEnvironment.FreeTcpPort());

    public Uri BaseAddress => ClientOptions.BaseAddress;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
    }
}

/// <summary>The providers reconciliation sees (in place of identity's internal endpoint): tests add theirs.</summary>
public sealed class TestProviderSource : IGraphProviderSource
{
    private readonly ConcurrentDictionary<Guid, GraphProvider> _providers = new();

    public void Add(Guid providerId, string secret = GraphEmulatorFixture.ClientSecret) =>
        _providers[providerId] = new GraphProvider(providerId, new GraphCredentials(GraphEmulatorFixture.TenantId, GraphEmulatorFixture.ClientId, secret, null));

    public void Remove(Guid providerId) => _providers.TryRemove(providerId, out _);

    public Task<IReadOnlyList<GraphProvider>> GetProvidersAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<GraphProvider>>([.. _providers.Values.OrderBy(p => p.ProviderId)]);
}

/// <summary>
/// Reconciliation in-process on its own database, against the real Graph emulator and real ingestion (both on
/// Kestrel ports), with a fake clock driving its schedule (1 h interval, no start-up run).
/// </summary>
public sealed class ReconciliationServer(SmallGraphEmulator emulator, IngestionServer ingestion, TestProviderSource providers, FakeTimeProvider time)
    : ServiceFactory<ReconciliationDbContext, ReconciliationDbContext>("reconciliationdb")
{
    /// <summary>Providers whose scope is configured (the emulator's enterprise app); any other id has none.</summary>
    public static readonly Guid[] ConfiguredProviders = [.. Enumerable.Range(1, 12).Select(i => Guid.Parse($"0000000{i:x}-0000-4000-8000-00000000ec01"))];

    /// <summary>A configured provider whose scope is the whole directory (<c>Scope: all</c>), not the enterprise app's assignments.</summary>
    public static Guid AllScopeProvider => ConfiguredProviders[9];

    protected override IEnumerable<KeyValuePair<string, string?>> Settings()
    {
        var root = emulator.BaseAddress.ToString().TrimEnd('/');
        yield return new("Bifrost:Reconciliation:Graph:BaseUrl", root + "/v1.0");
        yield return new("Bifrost:Reconciliation:Graph:AuthorityHost", root + "/");
        yield return new("Bifrost:Reconciliation:IngestionUrl", ingestion.BaseAddress.ToString());
        yield return new("Bifrost:Reconciliation:RunOnStartup", "false");
        yield return new("Bifrost:Reconciliation:Interval", "01:00:00");
        foreach (var provider in ConfiguredProviders)
        {
            yield return new($"Bifrost:Reconciliation:Providers:{provider}:ServicePrincipalId", emulator.Directory.ServicePrincipalId.ToString());
        }

        yield return new($"Bifrost:Reconciliation:Providers:{AllScopeProvider}:Scope", "all");
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddSingleton<IGraphProviderSource>(providers);
        services.AddSingleton<TimeProvider>(time);
    }
}

/// <summary>The three processes a run involves, plus helpers to start runs and read ingestion's state.</summary>
public sealed class ReconciliationFixture : IAsyncLifetime
{
    public SmallGraphEmulator Emulator { get; } = new();
    public IngestionServer Ingestion { get; } = new();
    public TestProviderSource Providers { get; } = new();
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public ReconciliationServer Reconciliation { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Ingestion.InitializeAsync();
        Reconciliation = new ReconciliationServer(Emulator, Ingestion, Providers, Time);
        await Reconciliation.InitializeAsync();
        _ = Reconciliation.Server; // start the host (and its scheduler) now
    }

    public async ValueTask DisposeAsync()
    {
        await Reconciliation.DisposeAsync();
        await Ingestion.DisposeAsync();
        await Emulator.DisposeAsync();
    }

    public HttpClient AdminClient(string role = "admin")
    {
        var client = Reconciliation.CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Admin-Role", role);
        return client;
    }

    /// <summary>Starts a run (202), waits until it is no longer running, and returns it.</summary>
    public async Task<JsonObject> RunAsync(Guid provider, bool dryRun = false, string expectedStatus = "completed")
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = AdminClient();
        var response = await client.PostAsJsonAsync("/api/reconciliation/runs", new { providerId = provider, dryRun }, ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var started = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        Assert.Equal("running", (string?)started["status"]);
        Assert.Equal("manual", (string?)started["trigger"]);
        var run = await WaitForRunAsync(Guid.Parse((string)started["id"]!));
        Assert.True(expectedStatus == (string?)run["status"], $"run ended {run["status"]}: {run["error"]}");
        return run;
    }

    public async Task<JsonObject> WaitForRunAsync(Guid id)
    {
        using var client = AdminClient("viewer");
        return await Eventually.WaitAsync(
            async () => (await client.GetFromJsonAsync<JsonObject>($"/api/reconciliation/runs/{id}", TestContext.Current.CancellationToken))!,
            run => (string?)run["status"] != "running",
            TimeSpan.FromMinutes(2),
            $"run {id} finished");
    }

    public HttpClient ScimClient(Guid provider)
    {
        var client = Ingestion.CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Provider", provider.ToString());
        client.DefaultRequestHeaders.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/scim+json"));
        return client;
    }
}
