using System.Collections.Concurrent;
using Bifrost.Messaging;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Bifrost.Testing;

/// <summary>
/// A Bifrost service in-process (<see cref="WebApplicationFactory{TEntryPoint}"/>) on a real PostgreSQL database of its
/// own, with MassTransit's in-memory test harness in place of RabbitMQ and its start-up migration applied.
/// </summary>
public class ServiceFactory<TProgram, TDbContext>(string connectionName) : WebApplicationFactory<TProgram>, IAsyncLifetime
    where TProgram : class
    where TDbContext : DbContext
{
    private readonly ConsumeCounter _consumed = new();
    private PostgresDatabase? _database;

    public ITestHarness Harness => Services.GetTestHarness();

    public virtual async ValueTask InitializeAsync() => _database = await PostgresDatabase.CreateAsync();

    /// <summary>The service's test database (for seeding and EXPLAIN).</summary>
    public string ConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Services a service's tests add or replace.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    /// <summary>Settings a service's tests add to the common ones.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings() => [];

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{connectionName}"] = _database!.ConnectionString,
            ["ConnectionStrings:eventbus"] = "amqp://unused", // replaced by the test harness
            ["Bifrost:Database:MigrateOnStartup"] = "true",
            ["Bifrost:Outbox:PollInterval"] = "00:00:00.100",
        };
        foreach (var (key, value) in Settings())
        {
            settings[key] = value;
        }

        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(settings));
        builder.ConfigureServices(services =>
        {
            services.AddMassTransitTestHarness();
            services.AddConsumeObserver(_ => _consumed);
            ConfigureTestServices(services);
        });
        return base.CreateHost(builder);
    }

    /// <summary>
    /// Publishes <paramref name="message"/> as the outbox relay does, in an <see cref="EventBatch{T}"/> of one (with a
    /// fixed id when given), and waits until the service has consumed it
    /// <paramref name="deliveries"/> times in all. Counts with a consume observer rather than the harness' lists, which
    /// wait on an inactivity timer a busy machine can trip early, and list a redelivered message id once.
    /// <paramref name="traceParent"/> is the trace of the event's change, as the relay carries it.
    /// </summary>
    public async Task DeliverAsync<T>(T message, Guid? messageId = null, int deliveries = 1, string? traceParent = null) where T : class
    {
        var id = messageId ?? NewId.NextGuid();
        await Harness.Bus.Publish(EventBatch.Of(message, id, traceParent), context => context.MessageId = id, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(
            () => Task.FromResult(_consumed.Count(id)),
            count => count >= deliveries,
            TimeSpan.FromSeconds(30),
            $"the service consumed {typeof(T).Name} {deliveries} time(s)");
        Assert.Equal(0, _consumed.Faults(id));
    }

    public async Task<T> WithDbAsync<T>(Func<TDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<TDbContext>());
    }

    public async Task WithDbAsync(Func<TDbContext, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<TDbContext>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

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
}
