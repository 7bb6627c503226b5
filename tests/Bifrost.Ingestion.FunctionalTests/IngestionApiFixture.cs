using System.Net.Http.Headers;
using Bifrost.Ingestion.Infrastructure;
using Bifrost.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>
/// Ingestion in-process on a real PostgreSQL database of its own, with MassTransit's in-memory test harness in place
/// of RabbitMQ (the outbox relay publishes into the harness).
/// </summary>
public sealed class IngestionApiFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    private PostgresDatabase? _database;

    public static readonly Guid ProviderA = Guid.Parse("aaaaaaaa-0000-4000-8000-000000000001");
    public static readonly Guid ProviderB = Guid.Parse("bbbbbbbb-0000-4000-8000-000000000002");

    public async ValueTask InitializeAsync() => _database = await PostgresDatabase.CreateAsync();

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ingestiondb"] = _database!.ConnectionString,
            ["ConnectionStrings:eventbus"] = "amqp://unused", // replaced by the test harness
            ["Bifrost:Database:MigrateOnStartup"] = "true",
            ["Bifrost:Outbox:PollInterval"] = "00:00:00.100",
        }));
        builder.ConfigureServices(services =>
        {
            services.AddMassTransitTestHarness();
            services.ConfigureDbContext<IngestionDbContext>(options => options.AddInterceptors(Commands));
        });
        return base.CreateHost(builder);
    }

    public ITestHarness Harness => Services.GetTestHarness();

    /// <summary>The SQL ingestion runs (for tests that check what is, or is not, read).</summary>
    public CommandRecorder Commands { get; } = new();

    /// <summary>The test database (for seeding and EXPLAIN).</summary>
    public string ConnectionString => _database!.ConnectionString;

    /// <summary>A client as the gateway would call ingestion: the provider header set.</summary>
    public HttpClient CreateScimClient(Guid provider)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Provider", provider.ToString());
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/scim+json"));
        return client;
    }

    public async Task<T> WithDbAsync<T>(Func<IngestionDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IngestionDbContext>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
