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
    private PostgresDatabase? _database;

    public async ValueTask InitializeAsync() => _database = await PostgresDatabase.CreateAsync();

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:identitydb"] = _database!.ConnectionString,
            ["ConnectionStrings:eventbus"] = "amqp://unused", // replaced by the test harness
            ["Bifrost:Database:MigrateOnStartup"] = "true",
        }));
        builder.ConfigureServices(services => services.AddMassTransitTestHarness());
        return base.CreateHost(builder);
    }

    public ITestHarness Harness => Services.GetTestHarness();

    /// <summary>
    /// Publishes <paramref name="message"/> (with a fixed id when given) and waits until identity has consumed it
    /// <paramref name="deliveries"/> times in all. Polls the harness' record rather than waiting on its inactivity timer,
    /// which a busy machine can trip early.
    /// </summary>
    public async Task DeliverAsync<T>(T message, Guid? messageId = null, int deliveries = 1) where T : class
    {
        var id = messageId ?? NewId.NextGuid();
        await Harness.Bus.Publish(message, context => context.MessageId = id, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(
            () => Task.FromResult(Harness.Consumed.Select<T>(m => m.Context.MessageId == id).Count()),
            count => count >= deliveries,
            TimeSpan.FromSeconds(30),
            $"identity consumed {typeof(T).Name} {deliveries} time(s)");
        Assert.False(Harness.Consumed.Select<T>(m => m.Context.MessageId == id && m.Exception is not null).Any(), $"{typeof(T).Name} faulted");
    }

    public async Task<T> WithDbAsync<T>(Func<IdentityDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IdentityDbContext>());
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
