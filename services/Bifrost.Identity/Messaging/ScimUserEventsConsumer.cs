using Bifrost.Contracts.Scim;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Messaging;

/// <summary>
/// Keeps governance users in step with SCIM. Each event carries the user's state after the change and its SCIM version:
/// the row takes it only when the version is newer, so redelivered or reordered events leave the same state, and the
/// inbox makes a redelivery a no-op in the first place.
/// Events come in batches (one type per batch): one transaction takes the role locks of the batch's providers and users,
/// locks the users' rows in id order, applies each user's events in version order, assigns the roles of every user
/// whose snapshot changed together and inserts the new users in one statement.
/// </summary>
public sealed class ScimUserEventsConsumer(IdentityDbContext db, RoleAssigner roles, TimeProvider time) :
    IConsumer<Batch<EventBatch<ScimUserProvisioned>>>,
    IConsumer<Batch<EventBatch<ScimUserUpdated>>>,
    IConsumer<Batch<EventBatch<ScimUserDeactivated>>>,
    IConsumer<Batch<EventBatch<ScimUserReactivated>>>,
    IConsumer<Batch<EventBatch<ScimUserDeleted>>>
{
    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserProvisioned>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserUpdated>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserDeactivated>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserReactivated>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, m.User));

    public Task Consume(ConsumeContext<Batch<EventBatch<ScimUserDeleted>>> context) => ApplyAsync(context, m => new UserEvent(m.ProviderId, m.UserId, m.Version, null));

    private Task ApplyAsync<T>(ConsumeContext<Batch<EventBatch<T>>> context, Func<T, UserEvent> read) where T : class =>
        db.ApplyOnceAsync(context, nameof(ScimUserEventsConsumer), async (messages, cancellationToken) =>
        {
            var events = messages.Select(m => read(m.Message) with { TraceId = m.TraceId }).OrderBy(e => e.UserId).ThenBy(e => e.Version).ToList();
            var snapshots = events.Where(e => e.User is not null).ToList();
            if (snapshots.Count > 0)
            {
                // The role locks, in a fixed order: each provider row (FOR SHARE), then every user's bucket at once.
                foreach (var provider in snapshots.Select(e => e.ProviderId).Distinct().Order())
                {
                    await roles.LockRoleInputsAsync(provider, [], cancellationToken);
                }

                await roles.LockRoleInputsAsync(Guid.Empty, snapshots.Select(e => e.UserId), cancellationToken, lockRules: false);
            }

            // Locked for this transaction: two events for one user applied concurrently must not both pass the version
            // check against the same old row (the later commit could carry the older version).
            var stored = (await roles.LockUsersAsync([.. events.Select(e => e.UserId)], cancellationToken)).ToDictionary(u => u.Id);
            var assign = new List<GovernanceUser>();
            foreach (var userEvents in events.GroupBy(e => e.UserId))
            {
                if (!stored.TryGetValue(userEvents.Key, out var user))
                {
                    // Version 0: any real event is newer. A delete that overtakes the create leaves a deleted placeholder.
                    user = new GovernanceUser { Id = userEvents.Key, ProviderId = userEvents.First().ProviderId, CreatedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() };
                    db.Users.Add(user);
                }

                var snapshotApplied = false;
                foreach (var e in userEvents)
                {
                    snapshotApplied |= Apply(user, e);
                }

                if (snapshotApplied)
                {
                    assign.Add(user);
                }
            }

            await roles.AssignAsync(assign, cancellationToken);

            // The batch's new users in one statement (SaveChanges would send one per user).
            await db.InsertAddedUsersAsync(cancellationToken);
        });

    /// <summary>Applies one event to the locked user; true when it took a new snapshot (its role may change).</summary>
    private bool Apply(GovernanceUser user, UserEvent e)
    {
        if (e.User is not { } snapshot)
        {
            if (e.Version > user.Version)
            {
                user.State = UserState.Deleted;
                user.Version = e.Version;
                user.LastTraceId = e.TraceId;
                user.UpdatedAt = time.GetUtcNow();
            }

            return false;
        }

        if (e.Version <= user.SnapshotVersion)
        {
            return false;
        }

        // The profile takes the newest snapshot, even behind a delete that overtook it (a delete carries none);
        // the state only moves forward with the user's version.
        user.UserName = snapshot.UserName;
        user.ExternalId = snapshot.ExternalId;
        user.DisplayName = snapshot.DisplayName;
        user.Email = snapshot.Email;
        user.Attributes = new Dictionary<string, string>(snapshot.Attributes);
        user.SnapshotVersion = e.Version;
        if (e.Version > user.Version)
        {
            user.State = snapshot.Active ? UserState.Active : UserState.Suspended;
            user.Version = e.Version;
            user.LastTraceId = e.TraceId;
        }

        user.UpdatedAt = time.GetUtcNow();
        return true;
    }

    /// <summary>One user event; <see cref="TraceId"/> is the trace of the SCIM request behind it (each message has its own).</summary>
    private sealed record UserEvent(Guid ProviderId, Guid UserId, long Version, ScimUserSnapshot? User)
    {
        public string? TraceId { get; init; }
    }
}

/// <summary>Batches of user events (see <see cref="BifrostBatchConsumerDefinition{TConsumer}"/>).</summary>
public sealed class ScimUserEventsConsumerDefinition : BifrostBatchConsumerDefinition<ScimUserEventsConsumer>;
