using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bifrost.Messaging;

/// <summary><c>Bifrost:Messaging</c>: the bus's endpoints and how its consumers take messages.</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Bifrost:Messaging";

    /// <summary>Prefix of every endpoint (queue) name; the application name when empty (see <c>EndpointPrefix</c>).</summary>
    public string? EndpointPrefix { get; set; }

    /// <summary>
    /// RabbitMQ prefetch. MassTransit's default is twice the core count (4 on two cores): too few in flight to hide the
    /// database round trips of each consume. Consumers are safe to run concurrently (inbox, versions, row locks).
    /// </summary>
    public int PrefetchCount { get; set; } = 32;

    /// <summary>Messages consumed at once per endpoint.</summary>
    public int ConcurrentMessageLimit { get; set; } = 8;

    /// <summary>
    /// How long a batch consumer's batch waits for more messages after its first, unless the consumer sets its own
    /// (<see cref="BifrostBatchConsumerDefinition{TConsumer}"/>). On a quiet system every event waits this long at each
    /// consumer: it is most of the propagation latency (issue 5: p50 75–80 ms with 50 ms, 37–40 ms with 10 ms). Under
    /// load each transaction costs the same whatever its size, so the longer window is cheaper: with 10 ms the consumers,
    /// RabbitMQ and their databases took 0.1 ms more CPU per create at 1,000 creates/s and 0.4 ms more at 600/s
    /// (BENCHMARKS.md, session 27). Identity sets 10 ms in its appsettings.json: its users (a suspension, a deletion)
    /// must follow SCIM quickly.
    /// </summary>
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(50);
}

public static class MessagingExtensions
{
    /// <summary>Name of the RabbitMQ connection string (an <c>amqp://</c> URI), as the AppHost provides it.</summary>
    public const string ConnectionName = "eventbus";

    /// <summary>
    /// MassTransit on RabbitMQ (kebab-case endpoints, definitions applied by <c>ConfigureEndpoints</c>) plus the outbox
    /// services. Consumers are registered by <paramref name="configure"/>.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator>? configure = null)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<OutboxSignal>();
        builder.Services.TryAddSingleton<OutboxDispatchQueue>();
        builder.Services.TryAddSingleton<OutboxCommitInterceptor>();
        builder.Services.TryAddSingleton<MessagingMetrics>();
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration("Bifrost:Outbox");
        builder.Services.AddOptions<MessagingOptions>().BindConfiguration(MessagingOptions.SectionName);
        var options = builder.Configuration.GetSection(MessagingOptions.SectionName).Get<MessagingOptions>() ?? new MessagingOptions();

        builder.Services.AddMassTransit(x =>
        {
            // Queues are named per service (identity-scim-user-events, team-mapping-scim-user-events): two services with
            // a consumer of the same name must each get every event, never compete for it on one shared queue.
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(EndpointPrefix(builder, options), includeNamespace: false));
            configure?.Invoke(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
                    ?? throw new InvalidOperationException($"Connection string '{ConnectionName}' is missing (ConnectionStrings:{ConnectionName}).");
                cfg.Host(new Uri(connectionString));

                cfg.PrefetchCount = options.PrefetchCount;
                cfg.ConcurrentMessageLimit = options.ConcurrentMessageLimit;
                cfg.ConfigureEndpoints(context);
            });
        });

        // A consuming service must have declared its queues and bindings before it reports started (and healthy):
        // RabbitMQ drops what is published to an exchange nobody is bound to yet. A publish-only service starts
        // without waiting, so a broker outage never stops it from accepting writes (the outbox holds them).
        var consumes = builder.Services.Any(d => d.ServiceType == typeof(MassTransit.Configuration.IConsumerRegistration));
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = consumes;
            options.StartTimeout = TimeSpan.FromSeconds(60);
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });

        return builder;
    }

    /// <summary>
    /// <c>Bifrost:Messaging:EndpointPrefix</c>, else the application name without its <c>Bifrost.</c> prefix and dots
    /// (<c>Bifrost.TeamMapping</c> → <c>TeamMapping</c>, which kebab-case turns into <c>team-mapping-…</c>).
    /// </summary>
    internal static string EndpointPrefix(IHostApplicationBuilder builder, MessagingOptions options)
    {
        if (options.EndpointPrefix is { Length: > 0 } configured)
        {
            return configured;
        }

        var name = builder.Environment.ApplicationName;
        if (name.StartsWith("Bifrost.", StringComparison.Ordinal))
        {
            name = name["Bifrost.".Length..];
        }

        return new string([.. name.Where(char.IsLetterOrDigit)]);
    }

    /// <summary>Runs the <see cref="OutboxRelay{TDbContext}"/> for a context that has <c>AddOutbox()</c> in its model.</summary>
    public static IHostApplicationBuilder AddOutboxRelay<TDbContext>(this IHostApplicationBuilder builder) where TDbContext : DbContext
    {
        builder.Services.AddHostedService<OutboxRelay<TDbContext>>();
        return builder;
    }

    /// <summary>
    /// Runs the <see cref="InboxPurger{TDbContext}"/> for a context that has <c>AddInbox()</c> in its model: applied events
    /// are remembered for <c>Bifrost:Inbox:Retention</c> (14 days), then forgotten.
    /// </summary>
    public static IHostApplicationBuilder AddInboxPurger<TDbContext>(this IHostApplicationBuilder builder) where TDbContext : DbContext
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<InboxOptions>().BindConfiguration("Bifrost:Inbox");
        builder.Services.AddSingleton<InboxPurger<TDbContext>>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InboxPurger<TDbContext>>());
        return builder;
    }

    /// <summary>
    /// Wakes the outbox relay when this context commits outbox rows; nothing for a service without messaging (one that
    /// publishes and consumes nothing, like reconciliation).
    /// </summary>
    public static DbContextOptionsBuilder AddOutboxInterceptorIfMessaging(this DbContextOptionsBuilder options, IServiceProvider services) =>
        services.GetService<OutboxCommitInterceptor>() is { } interceptor ? options.AddInterceptors(interceptor) : options;
}

/// <summary>
/// Retry policy shared by every consumer: quick retries for transient faults, then the message goes to the
/// <c>_error</c> queue (MassTransit publishes a <c>Fault&lt;T&gt;</c>). Non-transient exceptions skip the retries.
/// </summary>
public abstract class BifrostConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Intervals(10, 50, 100, 1000, 1000, 1000);
            r.Ignore<ArgumentException>();
            r.Ignore<FormatException>();
        });
    }
}

/// <summary>
/// A consumer of <c>Batch&lt;EventBatch&lt;T&gt;&gt;</c>, with the shared retry policy: a batch starts with its first message and closes
/// at <see cref="MessageLimit"/> messages or after its time limit (so a lone message waits at most that long),
/// <see cref="ConcurrencyLimit"/> batches at a time. Each message is an outbox relay pass's events of one type (one event
/// at a low rate, many under load), and the inbox applies at most 500 events per transaction.
/// A failure fails (then retries) the whole batch; each message's effect is idempotent, so nothing is applied twice.
/// The time limit is <see cref="TimeLimit"/> where a consumer sets its own, else <see cref="MessagingOptions.BatchTimeLimit"/>.
/// </summary>
public abstract class BifrostBatchConsumerDefinition<TConsumer> : BifrostConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    protected virtual int MessageLimit => 100;

    /// <summary>This consumer's own time limit; <see langword="null"/> (the default) takes the configured one.</summary>
    protected virtual TimeSpan? TimeLimit => null;

    protected virtual int ConcurrencyLimit => 2;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        base.ConfigureConsumer(endpointConfigurator, consumerConfigurator, context);
        var timeLimit = TimeLimit ?? context.GetRequiredService<IOptions<MessagingOptions>>().Value.BatchTimeLimit;
        consumerConfigurator.Options<BatchOptions>(options => options
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(timeLimit)
            .SetTimeLimitStart(BatchTimeLimitStart.FromFirst)
            .SetConcurrencyLimit(ConcurrencyLimit));
    }
}
