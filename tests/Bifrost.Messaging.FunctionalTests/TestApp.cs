using System.Diagnostics;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bifrost.Messaging.FunctionalTests;

/// <summary>An event as the services publish them.</summary>
public sealed record SomethingHappened(Guid ResourceId, int Sequence);

/// <summary>One row per applied event, with how many times it was applied and the consumer's trace id.</summary>
public sealed class AppliedEvent
{
    public Guid ResourceId { get; set; }
    public int Sequence { get; set; }
    public int TimesApplied { get; set; }
    public string? TraceId { get; set; }

    /// <summary>The trace the event carries in its batch (<see cref="BatchedEvent{T}.TraceId"/>): its writer's.</summary>
    public string? StampedTraceId { get; set; }
}

public sealed class TestDbContext(DbContextOptions<TestDbContext> options) : DbContext(options)
{
    public DbSet<AppliedEvent> Applied => Set<AppliedEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema("messaging_test");
        modelBuilder.Entity<AppliedEvent>().HasKey(e => e.ResourceId);
        modelBuilder.AddOutbox();
        modelBuilder.AddInbox();
    }
}

/// <summary>
/// Counts applications: a second application of one event would show as TimesApplied = 2. A batch consumer, as the
/// services' busiest consumers are: every <see cref="EventBatch{T}"/> MassTransit gathers, applied in one transaction.
/// </summary>
public sealed class SomethingHappenedConsumer(TestDbContext db) : IConsumer<Batch<EventBatch<SomethingHappened>>>
{
    public Task Consume(ConsumeContext<Batch<EventBatch<SomethingHappened>>> context) =>
        db.ApplyOnceAsync(context, nameof(SomethingHappenedConsumer), async (events, ct) =>
        {
            foreach (var e in events)
            {
                var row = await db.Applied.FindAsync([e.Message.ResourceId], ct);
                if (row is null)
                {
                    db.Applied.Add(row = new AppliedEvent { ResourceId = e.Message.ResourceId, Sequence = e.Message.Sequence });
                }

                row.TimesApplied++;
                row.TraceId = Activity.Current?.TraceId.ToHexString();
                row.StampedTraceId = e.TraceId;
            }
        });
}

public sealed class SomethingHappenedConsumerDefinition : BifrostBatchConsumerDefinition<SomethingHappenedConsumer>;

/// <summary>A host shaped like a Bifrost service: the shared DbContext registration, MassTransit on RabbitMQ, the relay.</summary>
public static class TestApp
{
    public static async Task<IHost> StartAsync(string database, string rabbit, string queueSuffix, bool consume = true, bool relay = true, TimeSpan? pollInterval = null,
        TimeSpan? claimMinAge = null, bool purgeInbox = false, TimeSpan? minDispatchInterval = null, TimeSpan? batchTimeLimit = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:testdb"] = database,
            ["ConnectionStrings:eventbus"] = rabbit,
            ["Bifrost:Database:MigrateOnStartup"] = "false",
            ["Bifrost:Outbox:PollInterval"] = (pollInterval ?? TimeSpan.FromMilliseconds(200)).ToString(),
            ["Bifrost:Outbox:PublishTimeout"] = "00:00:02",
            ["Bifrost:Outbox:MaxBackoff"] = "00:00:01",
            ["Bifrost:Outbox:ClaimMinAge"] = (claimMinAge ?? TimeSpan.FromSeconds(5)).ToString(),
            ["Bifrost:Inbox:PurgeBatchSize"] = "10",
        });
        if (minDispatchInterval is { } interval)
        {
            builder.Configuration["Bifrost:Outbox:MinDispatchInterval"] = interval.ToString();
        }

        if (batchTimeLimit is { } window)
        {
            builder.Configuration["Bifrost:Messaging:BatchTimeLimit"] = window.ToString();
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDbContext<TestDbContext>("testdb", "messaging_test");
        builder.AddMessaging(bus =>
        {
            if (consume)
            {
                bus.AddConsumer<SomethingHappenedConsumer>(typeof(SomethingHappenedConsumerDefinition))
                    .Endpoint(e => e.InstanceId = queueSuffix);
            }
        });
        if (relay)
        {
            builder.AddOutboxRelay<TestDbContext>();
        }

        if (purgeInbox)
        {
            builder.AddInboxPurger<TestDbContext>();
        }

        var host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TestDbContext>().Database.EnsureCreatedAsync();
        }

        await host.StartAsync();
        return host;
    }

    /// <summary>Commits <paramref name="count"/> events through the outbox, each in its own transaction.</summary>
    public static async Task<List<Guid>> WriteEventsAsync(IHost host, int count, int firstSequence = 0)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            await using var scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            var id = Guid.NewGuid();
            db.AddOutboxMessage(new SomethingHappened(id, firstSequence + i));
            await db.SaveChangesAsync();
            ids.Add(id);
        }

        return ids;
    }

    public static async Task<T> QueryAsync<T>(IHost host, Func<TestDbContext, Task<T>> query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<TestDbContext>());
    }
}
