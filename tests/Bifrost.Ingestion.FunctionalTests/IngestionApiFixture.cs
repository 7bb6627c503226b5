using System.Net.Http.Headers;
using Bifrost.Ingestion.Infrastructure;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>
/// Ingestion in-process on a real PostgreSQL database of its own, with MassTransit's in-memory test harness in place
/// of RabbitMQ (the outbox relay publishes into the harness), and the SQL it runs recorded.
/// </summary>
public sealed class IngestionApiFixture() : ServiceFactory<Program, IngestionDbContext>("ingestiondb")
{
    public static readonly Guid ProviderA = Guid.Parse("aaaaaaaa-0000-4000-8000-000000000001");
    public static readonly Guid ProviderB = Guid.Parse("bbbbbbbb-0000-4000-8000-000000000002");

    /// <summary>The SQL ingestion runs (for tests that check what is, or is not, read).</summary>
    public CommandRecorder Commands { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.ConfigureDbContext<IngestionDbContext>(options => options.AddInterceptors(Commands));

    /// <summary>A client as the gateway would call ingestion: the provider header set.</summary>
    public HttpClient CreateScimClient(Guid provider)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Provider", provider.ToString());
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/scim+json"));
        return client;
    }
}
