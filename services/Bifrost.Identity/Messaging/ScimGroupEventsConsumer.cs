using Bifrost.Contracts.Scim;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Messaging;

/// <summary>
/// Keeps the group knowledge behind <c>groups</c> role rules: each group's displayName and its members. Every event
/// locks the group row (created as a nameless placeholder when a membership event overtakes the create), so the events
/// of one group apply one at a time. Names take the newest create/rename version; each membership row keeps the version
/// of its last change and stays as an inactive tombstone when removed, so any order of delivery ends in the same state.
/// A deleted group is a tombstone that ignores everything later. Affected users' roles are recomputed in the same
/// transaction.
/// </summary>
public sealed class ScimGroupEventsConsumer(IdentityDbContext db, RoleAssigner roles) :
    IConsumer<EventBatch<ScimGroupCreated>>,
    IConsumer<EventBatch<ScimGroupRenamed>>,
    IConsumer<EventBatch<ScimGroupDeleted>>,
    IConsumer<EventBatch<ScimGroupMembersAdded>>,
    IConsumer<EventBatch<ScimGroupMembersRemoved>>
{
    public Task Consume(ConsumeContext<EventBatch<ScimGroupCreated>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) => NameAsync(m.ProviderId, m.GroupId, m.Version, m.DisplayName, ct));

    public Task Consume(ConsumeContext<EventBatch<ScimGroupRenamed>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) => NameAsync(m.ProviderId, m.GroupId, m.Version, m.DisplayName, ct));

    public Task Consume(ConsumeContext<EventBatch<ScimGroupDeleted>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), async (message, cancellationToken) =>
        {
            var group = await LockGroupAsync(message.ProviderId, message.GroupId, cancellationToken);
            if (group.Deleted)
            {
                return;
            }

            var members = await roles.GroupsAffectRolesAsync(message.ProviderId, cancellationToken)
                ? await ActiveMembersAsync(group.Id, cancellationToken)
                : [];
            await roles.LockRoleInputsAsync(message.ProviderId, members, cancellationToken, lockRules: false);
            group.Deleted = true;
            group.Version = Math.Max(group.Version, message.Version);
            await db.GroupMemberships
                .Where(m => m.GroupId == group.Id && m.Version < message.Version)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Active, false).SetProperty(m => m.Version, message.Version), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await roles.RecomputeAsync(members, cancellationToken);
        });

    public Task Consume(ConsumeContext<EventBatch<ScimGroupMembersAdded>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) => MembersAsync(m.ProviderId, m.GroupId, m.Version, m.MemberIds, active: true, ct));

    public Task Consume(ConsumeContext<EventBatch<ScimGroupMembersRemoved>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) => MembersAsync(m.ProviderId, m.GroupId, m.Version, m.MemberIds, active: false, ct));

    private async Task NameAsync(Guid providerId, Guid groupId, long version, string displayName, CancellationToken cancellationToken)
    {
        var group = await LockGroupAsync(providerId, groupId, cancellationToken);
        if (group.Deleted || version <= group.Version)
        {
            return;
        }

        var renamed = group.DisplayName != displayName;
        var members = renamed && await roles.GroupsAffectRolesAsync(providerId, cancellationToken)
            ? await ActiveMembersAsync(group.Id, cancellationToken)
            : [];
        await roles.LockRoleInputsAsync(providerId, members, cancellationToken, lockRules: false);
        group.DisplayName = displayName;
        group.Version = version;
        await db.SaveChangesAsync(cancellationToken);
        await roles.RecomputeAsync(members, cancellationToken);
    }

    private async Task MembersAsync(Guid providerId, Guid groupId, long version, IReadOnlyList<Guid> memberIds, bool active, CancellationToken cancellationToken)
    {
        var group = await LockGroupAsync(providerId, groupId, cancellationToken);
        if (group.Deleted || memberIds.Count == 0)
        {
            return;
        }

        // One statement per batch: insert or move each row to this version when it is newer than the row's last change.
        var ids = memberIds.Distinct().ToArray();
        var affectsRoles = await roles.GroupsAffectRolesAsync(providerId, cancellationToken);
        if (affectsRoles)
        {
            await roles.LockRoleInputsAsync(providerId, ids, cancellationToken, lockRules: false);
        }

        var changed = await db.Database.SqlQuery<Guid>($"""
            INSERT INTO identity.group_memberships (group_id, user_id, provider_id, active, version)
            SELECT {groupId}, id, {providerId}, {active}, {version} FROM unnest({ids}) AS id
            ON CONFLICT (group_id, user_id) DO UPDATE SET active = excluded.active, version = excluded.version
            WHERE group_memberships.version < excluded.version
            RETURNING user_id AS "Value"
            """).ToListAsync(cancellationToken);
        if (affectsRoles && group.DisplayName is not null)
        {
            await roles.RecomputeAsync(changed, cancellationToken);
        }
    }

    /// <summary>Creates the group's row when missing (nameless, version 0) and locks it for this transaction.</summary>
    private async Task<ScimGroup> LockGroupAsync(Guid providerId, Guid groupId, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO identity.scim_groups (id, provider_id, display_name, version, deleted)
            VALUES ({groupId}, {providerId}, NULL, 0, false) ON CONFLICT (id) DO NOTHING
            """, cancellationToken);
        return await db.Groups.FromSql($"SELECT * FROM identity.scim_groups WHERE id = {groupId} FOR UPDATE").SingleAsync(cancellationToken);
    }

    private Task<Guid[]> ActiveMembersAsync(Guid groupId, CancellationToken cancellationToken) =>
        db.GroupMemberships.Where(m => m.GroupId == groupId && m.Active).Select(m => m.UserId).ToArrayAsync(cancellationToken);
}

public sealed class ScimGroupEventsConsumerDefinition : BifrostConsumerDefinition<ScimGroupEventsConsumer>;
