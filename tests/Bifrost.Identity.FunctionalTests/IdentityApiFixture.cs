using System.Collections.Concurrent;
using Bifrost.Identity.Infrastructure;
using Bifrost.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bifrost.Identity.FunctionalTests;

/// <summary>Identity in-process on a real PostgreSQL database, consuming from MassTransit's in-memory test harness.</summary>
public sealed class IdentityApiFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string PublicBaseUrl = "https://bifrost.contoso.test";
    public static readonly Guid SeededProviderId = Guid.Parse("5eed0000-0000-4000-8000-000000000001");
    public static readonly string SeededToken = $"seeded-{Guid.NewGuid():N}";
    private static readonly string SeededTokenVariable = $"BIFROST_TEST_SEEDED_TOKEN_{Guid.NewGuid():N}";

    private PostgresDatabase? _database;

    public async ValueTask InitializeAsync() => _database = await PostgresDatabase.CreateAsync();

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:identitydb"] = _database!.ConnectionString,
            ["ConnectionStrings:eventbus"] = "amqp://unused", // replaced by the test harness
            ["Bifrost:Database:MigrateOnStartup"] = "true",
            ["Bifrost:PublicBaseUrl"] = PublicBaseUrl + "/",
            ["Bifrost:Providers:Seed:0:Id"] = SeededProviderId.ToString(),
            ["Bifrost:Providers:Seed:0:Name"] = "Seeded Entra",
            ["Bifrost:Providers:Seed:0:Kind"] = "entra",
            ["Bifrost:Providers:Seed:0:ScimToken"] = $"env.{SeededTokenVariable}",
        }));
        Environment.SetEnvironmentVariable(SeededTokenVariable, SeededToken);
        builder.ConfigureServices(services =>
        {
            services.AddMassTransitTestHarness();
            services.AddConsumeObserver(_ => _consumed);
        });
        return base.CreateHost(builder);
    }

    public ITestHarness Harness => Services.GetTestHarness();

    private readonly ConsumeCounter _consumed = new();

    /// <summary>
    /// Publishes <paramref name="message"/> (with a fixed id when given) and waits until identity has consumed it
    /// <paramref name="deliveries"/> times in all. Polls the harness' record rather than waiting on its inactivity timer,
    /// which a busy machine can trip early (and which lists a redelivered message id only once).
    /// </summary>
    public async Task DeliverAsync<T>(T message, Guid? messageId = null, int deliveries = 1) where T : class
    {
        var id = messageId ?? NewId.NextGuid();
        await Harness.Bus.Publish(message, context => context.MessageId = id, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(
            () => Task.FromResult(_consumed.Count(id)),
            count => count >= deliveries,
            TimeSpan.FromSeconds(30),
            $"identity consumed {typeof(T).Name} {deliveries} time(s)");
        Assert.Equal(0, _consumed.Faults(id));
    }

    public async Task<T> WithDbAsync<T>(Func<IdentityDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IdentityDbContext>());
    }

    /// <summary>Counts completed and faulted consumptions per message id, redeliveries included.</summary>
    private sealed class ConsumeCounter : IConsumeObserver
    {
        private readonly ConcurrentDictionary<Guid, int> _done = new();
        private readonly ConcurrentDictionary<Guid, int> _faults = new();

        public int Count(Guid messageId) => _done.GetValueOrDefault(messageId) + _faults.GetValueOrDefault(messageId);

        public int Faults(Guid messageId) => _faults.GetValueOrDefault(messageId);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            _done.AddOrUpdate(context.MessageId ?? Guid.Empty, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class
        {
            _faults.AddOrUpdate(context.MessageId ?? Guid.Empty, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
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
