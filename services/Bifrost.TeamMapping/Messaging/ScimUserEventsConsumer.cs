using Bifrost.Contracts.Scim;
using Bifrost.Mapping;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Messaging;

/// <summary>
/// Keeps each user's attribute snapshot and state (decision c) and re-evaluates the provider's rules for the user.
/// An event applies only when its version is newer than the stored one, under the user's row lock, so redelivered or
/// reordered events leave the same state. A deletion is final: the user's memberships of every source go, and later
/// group events no longer add the user.
/// </summary>
public sealed class ScimUserEventsConsumer(TeamMappingDbContext db, AffiliationRefresher refresher) :
    IConsumer<ScimUserProvisioned>,
    IConsumer<ScimUserUpdated>,
    IConsumer<ScimUserDeactivated>,
    IConsumer<ScimUserReactivated>,
    IConsumer<ScimUserDeleted>
{
    public Task Consume(ConsumeContext<ScimUserProvisioned> context) => ApplyAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.OccurredAt, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserUpdated> context) => ApplyAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.OccurredAt, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserDeactivated> context) => ApplyAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.OccurredAt, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserReactivated> context) => ApplyAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.OccurredAt, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserDeleted> context) => ApplyAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.OccurredAt, user: null);

    private Task ApplyAsync(ConsumeContext context, Guid providerId, Guid userId, long version, DateTimeOffset occurredAt, ScimUserSnapshot? user) =>
        db.ApplyOnceAsync(context, nameof(ScimUserEventsConsumer), async cancellationToken =>
        {
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO team_mapping.users (id, provider_id, state, version, attributes, affiliations_version, affiliations_hash, updated_at)
                VALUES ({userId}, {providerId}, 'Active', 0, jsonb_build_object(), 0, '', {occurredAt})
                ON CONFLICT (id) DO NOTHING
                """, cancellationToken);
            var stored = await db.Users.FromSql($"SELECT * FROM team_mapping.users WHERE id = {userId} FOR UPDATE").SingleAsync(cancellationToken);
            if (stored.ProviderId != providerId || version <= stored.Version || stored.State == MappedUserState.Deleted)
            {
                return;
            }

            var firstSnapshot = stored.Version == 0;
            var stateBefore = stored.State;
            var before = stored.RuleSubject([]);
            stored.Version = version;
            stored.UpdatedAt = occurredAt;
            if (user is null)
            {
                stored.State = MappedUserState.Deleted;
                stored.Attributes = [];
                stored.Email = null;
                await db.Memberships.Where(m => m.UserId == userId).ExecuteDeleteAsync(cancellationToken);
                await db.BusinessUnitMemberships.Where(m => m.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            }
            else
            {
                stored.State = user.Active ? MappedUserState.Active : MappedUserState.Suspended;
                stored.Attributes = new Dictionary<string, string>(user.Attributes, StringComparer.Ordinal);
                stored.Email = user.Email;
            }

            // Most updates change attributes no rule reads (a title when the rules look at department): then the user's
            // rule-made teams and business units cannot change, and the refresh (about eight round trips) is skipped. A rule
            // change is not missed: it starts a recomputation of every user of the provider.
            if (!firstSnapshot && stored.State == stateBefore
                && !await RuleInputsChangedAsync(providerId, before, stored.RuleSubject([]), cancellationToken))
            {
                return;
            }

            await refresher.RefreshLockedAsync([stored], cancellationToken); // saves the row's changes with the refresh
        });

    private async Task<bool> RuleInputsChangedAsync(Guid providerId, RuleSubject before, RuleSubject after, CancellationToken cancellationToken)
    {
        var rules = await db.ProviderRules.AsNoTracking()
            .Where(r => r.ProviderId == providerId && !r.ProviderDeleted)
            .Select(r => new { r.TeamRules, r.BusinessUnitRules })
            .SingleOrDefaultAsync(cancellationToken);
        if (rules is null)
        {
            return false;
        }

        return MappingRules.Changes(rules.TeamRules.Concat(rules.BusinessUnitRules).Select(rule => rule.Attribute), before, after);
    }
}

public sealed class ScimUserEventsConsumerDefinition : BifrostConsumerDefinition<ScimUserEventsConsumer>;
