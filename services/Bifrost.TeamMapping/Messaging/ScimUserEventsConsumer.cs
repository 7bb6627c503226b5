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
/// Events come in batches (one type per batch): one transaction locks the batch's users in id order, applies each user's
/// events in version order, and refreshes the affiliations of the users whose rule inputs changed together, so an
/// initial cycle's creates cost a few round trips per batch, not eight per user.
/// </summary>
public sealed class ScimUserEventsConsumer(TeamMappingDbContext db, AffiliationRefresher refresher) :
    IConsumer<Batch<EventBatch<ScimUserProvisioned>>>,
    IConsumer<Batch<EventBatch<ScimUserUpdated>>>,
    IConsumer<Batch<EventBatch<ScimUserDeactivated>>>,
    IConsumer<Batch<EventBatch<ScimUserReactivated>>>,
    IConsumer<Batch<EventBatch<ScimUserDeleted>>>
{
    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserProvisioned>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.OccurredAt, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserUpdated>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.OccurredAt, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserDeactivated>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.OccurredAt, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserReactivated>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.OccurredAt, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserDeleted>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.OccurredAt, null));

    private Task ApplyAsync<T>(ConsumeContext<Batch<EventBatch<T>>> context, Func<T, UserEvent> read) where T : class =>
        db.ApplyOnceAsync(context, nameof(ScimUserEventsConsumer), async (messages, cancellationToken) =>
        {
            var events = messages.Select(m => read(m.Message)).OrderBy(e => e.UserId).ThenBy(e => e.Version).ToList();
            var first = events.DistinctBy(e => e.UserId).ToList();
            var stored = (await refresher.LockUsersAsync([.. first.Select(e => e.UserId)], [.. first.Select(e => e.ProviderId)], cancellationToken))
                .ToDictionary(u => u.Id);

            var refresh = new List<MappedUser>();
            var updated = new List<(MappedUser User, RuleSubject Before)>();
            var deleted = new List<Guid>();
            foreach (var userEvents in events.GroupBy(e => e.UserId))
            {
                var user = stored[userEvents.Key];
                var firstSnapshot = user.Version == 0;
                var stateBefore = user.State;
                var before = user.RuleSubject([]);
                var applied = false;
                foreach (var e in userEvents)
                {
                    if (user.ProviderId != e.ProviderId || e.Version <= user.Version || user.State == MappedUserState.Deleted)
                    {
                        continue;
                    }

                    applied = true;
                    user.Version = e.Version;
                    user.UpdatedAt = e.OccurredAt;
                    if (e.User is not { } snapshot)
                    {
                        user.State = MappedUserState.Deleted;
                        user.Attributes = [];
                        user.Email = null;
                        deleted.Add(user.Id);
                        refresher.Deleted(user.Id);
                    }
                    else
                    {
                        user.State = snapshot.Active ? MappedUserState.Active : MappedUserState.Suspended;
                        user.Attributes = new Dictionary<string, string>(snapshot.Attributes, StringComparer.Ordinal);
                        user.Email = snapshot.Email;
                    }
                }

                if (!applied)
                {
                    continue;
                }

                if (firstSnapshot || user.State != stateBefore)
                {
                    refresh.Add(user);
                }
                else
                {
                    updated.Add((user, before));
                }
            }

            if (deleted.Count > 0)
            {
                await db.Memberships.Where(m => deleted.Contains(m.UserId)).ExecuteDeleteAsync(cancellationToken);
                await db.BusinessUnitMemberships.Where(m => deleted.Contains(m.UserId)).ExecuteDeleteAsync(cancellationToken);
            }

            // Most updates change attributes no rule reads (a title when the rules look at department): then the user's
            // rule-made teams and business units cannot change, and the refresh is skipped. A rule change is not missed:
            // it starts a recomputation of every user of the provider.
            if (updated.Count > 0)
            {
                var ruleAttributes = await RuleAttributesAsync([.. updated.Select(u => u.User.ProviderId).Distinct()], cancellationToken);
                refresh.AddRange(updated
                    .Where(u => ruleAttributes.TryGetValue(u.User.ProviderId, out var attributes) && MappingRules.Changes(attributes, u.Before, u.User.RuleSubject([])))
                    .Select(u => u.User));
            }

            // Saves the rows' changes with the refresh (the inbox saves them when there is nothing to refresh).
            await refresher.RefreshLockedAsync([.. refresh.OrderBy(u => u.Id)], cancellationToken);
        });

    /// <summary>The attributes each provider's team and business-unit rules read (providers without rules are absent).</summary>
    private async Task<Dictionary<Guid, List<string>>> RuleAttributesAsync(Guid[] providerIds, CancellationToken cancellationToken) =>
        (await db.ProviderRules.AsNoTracking()
            .Where(r => providerIds.Contains(r.ProviderId) && !r.ProviderDeleted)
            .Select(r => new { r.ProviderId, r.TeamRules, r.BusinessUnitRules })
            .ToListAsync(cancellationToken))
        .ToDictionary(r => r.ProviderId, r => r.TeamRules.Concat(r.BusinessUnitRules).Select(rule => rule.Attribute).ToList());

    private sealed record UserEvent(Guid ProviderId, Guid UserId, long Version, DateTimeOffset OccurredAt, ScimUserSnapshot? User);
}

/// <summary>Batches of user events (see <see cref="BifrostBatchConsumerDefinition{TConsumer}"/>).</summary>
public sealed class ScimUserEventsConsumerDefinition : BifrostBatchConsumerDefinition<ScimUserEventsConsumer>;
