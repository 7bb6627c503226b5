using Bifrost.Contracts.Providers;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Messaging;

/// <summary>
/// Keeps each provider's team and business-unit rules at the highest mappings version received (a deleted provider has
/// none) and queues the re-evaluation of the provider's users, which the <see cref="RecomputationWorker"/> runs in the
/// background. A newer version arriving mid-run restarts the run from the first user.
/// </summary>
public sealed class ProviderMappingsChangedConsumer(TeamMappingDbContext db, TimeProvider time, ILogger<ProviderMappingsChangedConsumer> logger) :
    IConsumer<EventBatch<ProviderMappingsChanged>>
{
    public Task Consume(ConsumeContext<EventBatch<ProviderMappingsChanged>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ProviderMappingsChangedConsumer), async (message, cancellationToken) =>
        {
            var now = time.GetUtcNow();
            var rules = await db.ProviderRules.FromSql($"SELECT * FROM team_mapping.provider_rules WHERE provider_id = {message.ProviderId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
            if (rules is null)
            {
                rules = new ProviderRules { ProviderId = message.ProviderId };
                db.ProviderRules.Add(rules);
            }
            else if (message.Version <= rules.Version)
            {
                return;
            }

            rules.Version = message.Version;
            rules.ProviderDeleted = message.ProviderDeleted;
            rules.TeamRules = message.ProviderDeleted ? [] : [.. message.TeamRules];
            rules.BusinessUnitRules = message.ProviderDeleted ? [] : [.. message.BusinessUnitRules];
            rules.UpdatedAt = message.OccurredAt;

            var total = await db.Users.CountAsync(u => u.ProviderId == message.ProviderId, cancellationToken);
            var run = await db.Recomputations.FromSql($"SELECT * FROM team_mapping.recomputations WHERE provider_id = {message.ProviderId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
            if (run is null)
            {
                run = new Recomputation { ProviderId = message.ProviderId };
                db.Recomputations.Add(run);
            }

            run.MappingsVersion = message.Version;
            run.Status = RecomputationStatus.Queued;
            run.Processed = 0;
            run.Total = total;
            run.Cursor = null;
            run.Error = null;
            run.QueuedAt = now;
            run.UpdatedAt = now;
            run.CompletedAt = null;
            TeamMappingLog.RecomputationQueued(logger, message.ProviderId, message.Version, total);
        });
}

public sealed class ProviderMappingsChangedConsumerDefinition : BifrostConsumerDefinition<ProviderMappingsChangedConsumer>;
