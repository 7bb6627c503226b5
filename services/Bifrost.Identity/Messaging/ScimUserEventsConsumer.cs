using System.Diagnostics;
using Bifrost.Contracts.Scim;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Messaging;

/// <summary>
/// Keeps governance users in step with SCIM. Each event carries the user's state after the change and its SCIM version:
/// the row takes it only when the version is newer, so redelivered or reordered events leave the same state, and the
/// inbox makes a redelivery a no-op in the first place.
/// </summary>
public sealed class ScimUserEventsConsumer(IdentityDbContext db, RoleAssigner roles, TimeProvider time) :
    IConsumer<ScimUserProvisioned>,
    IConsumer<ScimUserUpdated>,
    IConsumer<ScimUserDeactivated>,
    IConsumer<ScimUserReactivated>,
    IConsumer<ScimUserDeleted>
{
    public Task Consume(ConsumeContext<ScimUserProvisioned> context) =>
        ApplySnapshotAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserUpdated> context) =>
        ApplySnapshotAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserDeactivated> context) =>
        ApplySnapshotAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserReactivated> context) =>
        ApplySnapshotAsync(context, context.Message.ProviderId, context.Message.UserId, context.Message.Version, context.Message.User);

    public Task Consume(ConsumeContext<ScimUserDeleted> context) =>
        db.ApplyOnceAsync(context, nameof(ScimUserEventsConsumer), async cancellationToken =>
        {
            var message = context.Message;
            var user = await FindOrAddAsync(message.ProviderId, message.UserId, cancellationToken);
            if (message.Version > user.Version)
            {
                user.State = UserState.Deleted;
                user.Version = message.Version;
                user.LastTraceId = Activity.Current?.TraceId.ToHexString();
                user.UpdatedAt = time.GetUtcNow();
            }
        });

    private Task ApplySnapshotAsync(ConsumeContext context, Guid providerId, Guid userId, long version, ScimUserSnapshot snapshot) =>
        db.ApplyOnceAsync(context, nameof(ScimUserEventsConsumer), async cancellationToken =>
        {
            await roles.LockRoleInputsAsync(providerId, [userId], cancellationToken);
            var user = await FindOrAddAsync(providerId, userId, cancellationToken);
            if (version <= user.SnapshotVersion)
            {
                return;
            }

            // The profile takes the newest snapshot, even behind a delete that overtook it (a delete carries none);
            // the state only moves forward with the user's version.
            user.UserName = snapshot.UserName;
            user.ExternalId = snapshot.ExternalId;
            user.DisplayName = snapshot.DisplayName;
            user.Email = snapshot.Email;
            user.Attributes = new Dictionary<string, string>(snapshot.Attributes);
            user.SnapshotVersion = version;
            if (version > user.Version)
            {
                user.State = snapshot.Active ? UserState.Active : UserState.Suspended;
                user.Version = version;
                user.LastTraceId = Activity.Current?.TraceId.ToHexString();
            }

            user.UpdatedAt = time.GetUtcNow();
            await roles.AssignAsync([user], cancellationToken);
        });

    private async Task<GovernanceUser> FindOrAddAsync(Guid providerId, Guid userId, CancellationToken cancellationToken)
    {
        // Locked for this transaction: two events for one user applied concurrently must not both pass the version
        // check against the same old row (the later commit could carry the older version).
        var user = await db.Users.FromSql($"SELECT * FROM identity.users WHERE id = {userId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (user is not null)
        {
            return user;
        }

        // Version 0: any real event is newer. A delete that overtakes the create leaves a deleted placeholder.
        user = new GovernanceUser { Id = userId, ProviderId = providerId, CreatedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() };
        db.Users.Add(user);
        return user;
    }
}

public sealed class ScimUserEventsConsumerDefinition : BifrostConsumerDefinition<ScimUserEventsConsumer>;
