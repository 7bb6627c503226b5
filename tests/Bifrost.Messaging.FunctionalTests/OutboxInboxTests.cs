using System.Diagnostics;
using Bifrost.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Bifrost.Messaging.FunctionalTests;

/// <summary>The outbox relay and the inbox against real PostgreSQL and a real, private RabbitMQ node.</summary>
public sealed class OutboxInboxTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Committed_events_are_published_once_and_continue_the_writers_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"));
        using var listener = ListenToAll();

        using var writer = new Activity("scim request").Start();
        var ids = await TestApp.WriteEventsAsync(host, 10);
        writer.Stop();

        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == ids.Count, Patience, "all 10 events are applied");

        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        Assert.All(applied, row => Assert.Equal(writer.TraceId.ToHexString(), row.TraceId));
        Assert.All(applied, row => Assert.Equal(writer.TraceId.ToHexString(), row.StampedTraceId));
        // The relay deletes a row after the broker confirmed it, which can be a moment after the consumer ran.
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Set<OutboxMessage>().CountAsync(ct)), n => n == 0, Patience, "the outbox is drained");
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task Events_of_several_requests_travel_in_one_message_and_each_keeps_its_own_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        var queue = Guid.NewGuid().ToString("N");
        var stopped = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = ListenToAll(stopped.Enqueue);

        // Five requests, each its own trace, commit through a process without a relay; the relay that starts next takes
        // the five rows in its first poll.
        using var writer = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, queue, consume: false, relay: false);
        var traces = new Dictionary<Guid, string>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new Activity("scim request").Start();
            traces[(await TestApp.WriteEventsAsync(writer, 1, firstSequence: i))[0]] = request.TraceId.ToHexString();
        }

        using var relay = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, queue);
        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(relay, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == 5, Patience, "the five events are applied");

        // One broker message for the five, its publish in the first request's trace and linked to the four others.
        var publish = Assert.Single(stopped, a => a.Source.Name == "Bifrost.Messaging" && a.OperationName == "outbox relay SomethingHappened");
        Assert.Equal(5, publish.GetTagItem("messaging.batch.message_count"));
        Assert.Equal(4, publish.Links.Count());
        // Each event still names its own request, and the consumer's span for it is in that request's trace.
        Assert.All(applied, row => Assert.Equal(traces[row.ResourceId], row.StampedTraceId));
        var consumed = stopped.Where(a => a.Source.Name == "Bifrost.Messaging" && a.OperationName == "SomethingHappenedConsumer SomethingHappened").ToList();
        Assert.Equal(traces.Values.Order(), consumed.Select(a => a.TraceId.ToHexString()).Order());
        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        await Task.WhenAll(relay.StopAsync(ct), writer.StopAsync(ct));
    }

    [Fact]
    public async Task Committed_events_are_dispatched_at_once_without_waiting_for_the_poll()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        // The poll runs once at start (an empty table) and then not for an hour: only the dispatcher can publish.
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"), pollInterval: TimeSpan.FromHours(1));
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);

        var ids = await TestApp.WriteEventsAsync(host, 25);

        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == ids.Count, TimeSpan.FromSeconds(20), "all 25 events are applied by the dispatcher");
        Assert.Equal(ids.Order(), applied.Select(a => a.ResourceId).Order());
        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Set<OutboxMessage>().CountAsync(ct)), n => n == 0, Patience, "the dispatcher removed the rows");
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task A_commit_on_a_quiet_relay_goes_at_once_and_those_soon_after_it_travel_together()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        var stopped = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = ListenToAll(stopped.Enqueue);
        // Only the dispatcher publishes (the poll runs once at start, on an empty table), at most once per 5 s: far longer
        // than ten small commits take.
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"),
            pollInterval: TimeSpan.FromHours(1), minDispatchInterval: TimeSpan.FromSeconds(5));
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);

        var ids = await TestApp.WriteEventsAsync(host, 1);
        var firstCommitted = DateTime.UtcNow;
        ids.AddRange(await TestApp.WriteEventsAsync(host, 9, firstSequence: 1));

        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == ids.Count, Patience, "the ten events are applied");
        // The first commit found the relay quiet and went at once (with any commit that was queued before the dispatcher
        // took it); the rest waited out the interval and went as one broker message. Without the interval each commit
        // goes as soon as the dispatcher is free, in many messages.
        var publishes = stopped.Where(a => a.Source.Name == "Bifrost.Messaging" && a.OperationName == "outbox relay SomethingHappened")
            .OrderBy(a => a.StartTimeUtc).ToList();
        var sizes = publishes.Select(a => (int)a.GetTagItem("messaging.batch.message_count")!).ToList();
        Assert.True(sizes.Count == 2 && sizes.Sum() == 10, $"ten events in two messages, not [{string.Join(", ", sizes)}]");
        Assert.True(publishes[0].StartTimeUtc - firstCommitted < TimeSpan.FromSeconds(1),
            $"the first dispatch began {publishes[0].StartTimeUtc - firstCommitted} after the first commit");
        Assert.True(publishes[1].StartTimeUtc - publishes[0].StartTimeUtc >= TimeSpan.FromSeconds(4),
            $"the second dispatch began {publishes[1].StartTimeUtc - publishes[0].StartTimeUtc} after the first");
        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Set<OutboxMessage>().CountAsync(ct)), n => n == 0, Patience, "the dispatcher removed the rows");
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task A_lone_event_waits_out_the_configured_batch_window_and_no_longer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        // A 3-s window (Bifrost:Messaging:BatchTimeLimit) instead of the default: the consumer holds a batch open that
        // long after its first message, hoping for more.
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"),
            batchTimeLimit: TimeSpan.FromSeconds(3));
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);

        var committed = Stopwatch.StartNew();
        var id = Assert.Single(await TestApp.WriteEventsAsync(host, 1));
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().AnyAsync(a => a.ResourceId == id, ct)),
            applied => applied, Patience, "the event is applied");
        var waited = committed.Elapsed;

        Assert.InRange(waited, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(10));
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task The_relay_reads_the_outbox_through_its_indexes_even_when_the_table_looked_empty_at_planning()
    {
        // The outbox is a queue: rows are deleted soon after they are inserted and the heap fills with dead rows until
        // autovacuum comes. A sequential scan, the plan PostgreSQL makes for an (almost) empty table and then keeps for a
        // prepared statement, made every dispatch read all those dead rows to delete a few.
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);

        // Creating the table's indexes scans it: count those scans first, from a host without a relay.
        using (var setup = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"), consume: false, relay: false))
        {
            await setup.StopAsync(ct);
        }

        // What autovacuum leaves after emptying the queue: statistics that say "no rows, no pages".
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE messaging_test.outbox_messages", connection);
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        NpgsqlConnection.ClearAllPools();
        var (created, _, _) = await Eventually.WaitAsync(
            () => OutboxScansAsync(database.ConnectionString, ct), scans => scans.Sequential > 0, Patience, "the index builds' scans are reported");

        using (var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"), claimMinAge: TimeSpan.Zero))
        {
            // One commit at a time: each is a dispatch of its own (a delete), with polls of the table in between.
            var ids = await TestApp.WriteEventsAsync(host, 30);
            await Eventually.WaitAsync(
                () => TestApp.QueryAsync(host, db => db.Applied.CountAsync(ct)),
                n => n == ids.Count, Patience, "all 30 events are applied");
            await host.StopAsync(ct);
        }

        // A backend reports its table statistics when it ends: close the relay's connections, then read them.
        NpgsqlConnection.ClearAllPools();
        var (sequential, index, deleted) = await Eventually.WaitAsync(
            () => OutboxScansAsync(database.ConnectionString, ct),
            scans => scans.Deleted == 30, Patience, "the relay's statistics are reported");
        Assert.True(index >= 1, $"the relay used the outbox's indexes ({index} index scans)");
        Assert.Equal(created, sequential);
    }

    private static async Task<(long Sequential, long Index, long Deleted)> OutboxScansAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT seq_scan, coalesce(idx_scan, 0), n_tup_del FROM pg_stat_user_tables WHERE schemaname = 'messaging_test' AND relname = 'outbox_messages'",
            connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    [Fact]
    public async Task Rows_a_statement_of_its_own_committed_are_dispatched_at_once_once_handed_over()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        // As above, only the dispatcher can publish; the rows are written by plain SQL, as ingestion's user creates are.
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"), pollInterval: TimeSpan.FromHours(1));
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);

        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        var messages = ids.Select((id, i) => OutboxMessage.Create(new SomethingHappened(id, i), TimeProvider.System)).ToList();
        await TestApp.QueryAsync(host, async db =>
        {
            foreach (var m in messages)
            {
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO messaging_test.outbox_messages (id, message_type, payload, occurred_at, attempts)
                    VALUES ({m.Id}, {m.MessageType}, {m.Payload}::jsonb, {m.OccurredAt}, 0)
                    """, ct);
            }

            db.OutboxCommitted(messages);
            return 0;
        });

        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == ids.Count, TimeSpan.FromSeconds(20), "the five handed-over events are applied by the dispatcher");
        Assert.Equal(ids.Order(), applied.Select(a => a.ResourceId).Order());
        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Set<OutboxMessage>().CountAsync(ct)), n => n == 0, Patience, "the dispatcher removed the rows");
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task The_periodic_poll_leaves_young_rows_to_their_dispatcher_and_claims_them_once_they_are_old()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        var queue = Guid.NewGuid().ToString("N");
        using var relay = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, queue, claimMinAge: TimeSpan.FromSeconds(3));
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct); // its first poll (which claims rows of any age) has run

        // A process without a relay commits: nothing dispatches its rows, as when a replica stops right after a commit.
        using var writer = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, queue, consume: false, relay: false);
        var clock = Stopwatch.StartNew();
        var ids = await TestApp.WriteEventsAsync(writer, 10);

        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        Assert.Equal(10, await TestApp.QueryAsync(relay, db => db.Set<OutboxMessage>().CountAsync(ct)));
        Assert.Equal(0, await TestApp.QueryAsync(relay, db => db.Applied.CountAsync(ct)));

        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(relay, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == ids.Count, TimeSpan.FromSeconds(20), "the other process's 10 events are applied");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3), $"applied after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(ids.Order(), applied.Select(a => a.ResourceId).Order());
        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        await Eventually.WaitAsync(() => TestApp.QueryAsync(relay, db => db.Set<OutboxMessage>().CountAsync(ct)), n => n == 0, Patience, "the poll removed the rows");
        await Task.WhenAll(relay.StopAsync(ct), writer.StopAsync(ct));
    }

    [Fact]
    public async Task A_rolled_back_write_publishes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"));
        var rolledBack = Guid.NewGuid();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                db.AddOutboxMessage(new SomethingHappened(rolledBack, 0));
                await db.SaveChangesAsync(ct);
                await transaction.RollbackAsync(ct);
            });
        }

        var committed = await TestApp.WriteEventsAsync(host, 1);
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Applied.CountAsync(ct)), n => n == 1, Patience, "the committed event is applied");
        await Task.Delay(TimeSpan.FromSeconds(1), ct);

        var applied = await TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().Select(a => a.ResourceId).ToListAsync(ct));
        Assert.Equal(committed, applied);
        Assert.Equal(0, await TestApp.QueryAsync(host, db => db.Set<OutboxMessage>().CountAsync(ct)));
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task Redelivered_message_with_the_same_id_is_applied_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"), relay: false);
        var bus = host.Services.GetRequiredService<IBus>();
        var message = new SomethingHappened(Guid.NewGuid(), 1);
        var messageId = NewId.NextGuid();

        for (var i = 0; i < 3; i++)
        {
            await bus.Publish(EventBatch.Of(message, messageId), ct);
        }

        await Eventually.WaitAsync(
            () => TestApp.QueryAsync(host, db => db.Set<InboxMessage>().CountAsync(ct)),
            count => count == 1, Patience, "the inbox has recorded the message");
        await Task.Delay(TimeSpan.FromSeconds(1), ct); // let the duplicates arrive too

        var row = await TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().SingleAsync(a => a.ResourceId == message.ResourceId, ct));
        Assert.Equal(1, row.TimesApplied);
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task The_inbox_forgets_events_applied_longer_ago_than_the_retention_and_keeps_the_others()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        var now = DateTimeOffset.UtcNow;
        InboxMessage Row(TimeSpan age, string consumer = "SomeConsumer") => new() { MessageId = Guid.NewGuid(), Consumer = consumer, ProcessedAt = now - age };
        var old = Enumerable.Range(0, 25).Select(i => Row(TimeSpan.FromDays(15 + i), i % 2 == 0 ? "SomeConsumer" : "OtherConsumer")).ToList();
        var kept = new[] { Row(TimeSpan.FromDays(13)), Row(TimeSpan.FromDays(1)), Row(TimeSpan.Zero) };
        using (var before = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"), consume: false, relay: false))
        {
            await TestApp.QueryAsync(before, async db =>
            {
                db.AddRange(old);
                db.AddRange(kept);
                return await db.SaveChangesAsync(ct);
            });
            await before.StopAsync(ct);
        }

        // The purger runs at start: retention 14 days (the default), 10 rows per statement (TestApp), so three statements.
        using var host = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, Guid.NewGuid().ToString("N"),
            consume: false, relay: false, purgeInbox: true);
        var left = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(host, db => db.Set<InboxMessage>().AsNoTracking().Select(m => m.MessageId).ToListAsync(ct)),
            ids => ids.Count == kept.Length, Patience, "the purge at start has deleted the old rows");
        Assert.Equal(kept.Select(k => k.MessageId).Order(), left.Order());

        // Later purges (hourly by default) take what has aged past the retention since, at most 10 rows per statement.
        var aged = Enumerable.Range(0, 25).Select(i => Row(TimeSpan.FromDays(14) + TimeSpan.FromMinutes(1 + i))).ToList();
        await TestApp.QueryAsync(host, db => { db.AddRange(aged); return db.SaveChangesAsync(ct); });
        var statements = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using (ListenToAll(a =>
        {
            if (a.Source.Name == "Npgsql" && a.GetTagItem("db.query.text") is string sql
                && sql.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase) && sql.Contains("inbox_messages", StringComparison.Ordinal))
            {
                statements.Enqueue(a);
            }
        }))
        {
            Assert.Equal(25, await host.Services.GetRequiredService<InboxPurger<TestDbContext>>().PurgeAsync(ct));
        }

        // 10, 10, then 5 rows: the short batch ends the purge.
        Assert.Equal(3, statements.Count);
        Assert.All(statements, a => Assert.Contains("LIMIT", (string)a.GetTagItem("db.query.text")!, StringComparison.Ordinal));
        Assert.Equal(kept.Length, await TestApp.QueryAsync(host, db => db.Set<InboxMessage>().CountAsync(ct)));
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task Broker_outage_delays_events_and_every_event_arrives_exactly_once_in_effect()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        await using var broker = await RabbitMqNode.StartNewAsync(ct);
        using var host = await TestApp.StartAsync(database.ConnectionString, broker.ConnectionString, "outage");

        var before = await TestApp.WriteEventsAsync(host, 20);
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Applied.CountAsync(ct)), n => n == 20, Patience, "the first 20 events are applied");

        await broker.StopAsync();
        var during = await TestApp.WriteEventsAsync(host, 50, firstSequence: 20);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        Assert.Equal(50, await TestApp.QueryAsync(host, db => db.Set<OutboxMessage>().CountAsync(ct)));
        Assert.Equal(20, await TestApp.QueryAsync(host, db => db.Applied.CountAsync(ct)));

        await broker.StartAsync(ct);
        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(host, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == 70, TimeSpan.FromSeconds(120), "all 70 events are applied after the broker is back");

        Assert.Equal(before.Concat(during).Order(), applied.Select(a => a.ResourceId).Order());
        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        // The relay deletes a row after the broker confirmed it, which can be a moment after the consumer ran.
        await Eventually.WaitAsync(() => TestApp.QueryAsync(host, db => db.Set<OutboxMessage>().CountAsync(ct)), n => n == 0, Patience, "the outbox is drained");
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task Two_relays_on_one_database_share_the_work_without_double_effects()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await PostgresDatabase.CreateAsync(ct);
        var queue = Guid.NewGuid().ToString("N");
        using var first = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, queue);
        using var second = await TestApp.StartAsync(database.ConnectionString, TestEnvironment.RabbitMq, queue);

        var writes = await Task.WhenAll(TestApp.WriteEventsAsync(first, 100), TestApp.WriteEventsAsync(second, 100, firstSequence: 100));

        var applied = await Eventually.WaitAsync(
            () => TestApp.QueryAsync(first, db => db.Applied.AsNoTracking().ToListAsync(ct)),
            rows => rows.Count == 200, Patience, "all 200 events are applied");
        Assert.Equal(writes.SelectMany(w => w).Order(), applied.Select(a => a.ResourceId).Order());
        Assert.All(applied, row => Assert.Equal(1, row.TimesApplied));
        await Task.WhenAll(first.StopAsync(ct), second.StopAsync(ct));
    }

    private static ActivityListener ListenToAll(Action<Activity>? stopped = null)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
