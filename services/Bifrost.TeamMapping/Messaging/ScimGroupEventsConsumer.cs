using Bifrost.Contracts.Scim;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Messaging;

/// <summary>
/// One team per SCIM group (team id = group id): created, renamed and archived with the group, members from the
/// group's membership batches with source <see cref="MembershipSource.ScimGroup"/>. Each change applies only when its
/// group version is newer than what the team or membership row holds, under a row lock, so redelivered, concurrent or
/// reordered events leave the same state. Manual memberships are never touched, and a deleted user is never added.
/// Every applied change refreshes the affected users (their rules may match on <c>groups</c>, and their published
/// affiliations carry team names and sources).
/// </summary>
public sealed class ScimGroupEventsConsumer(TeamMappingDbContext db, AffiliationRefresher refresher) :
    IConsumer<EventBatch<ScimGroupCreated>>,
    IConsumer<EventBatch<ScimGroupRenamed>>,
    IConsumer<EventBatch<ScimGroupDeleted>>,
    IConsumer<EventBatch<ScimGroupMembersAdded>>,
    IConsumer<EventBatch<ScimGroupMembersRemoved>>
{
    public Task Consume(ConsumeContext<EventBatch<ScimGroupCreated>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) =>
            ApplyGroupAsync(m.ProviderId, m.GroupId, m.Version, m.OccurredAt, m.DisplayName, team => team.ArchivedAt = null, ct));

    public Task Consume(ConsumeContext<EventBatch<ScimGroupRenamed>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) =>
            ApplyGroupAsync(m.ProviderId, m.GroupId, m.Version, m.OccurredAt, m.DisplayName, team => team.ArchivedAt = null, ct));

    public Task Consume(ConsumeContext<EventBatch<ScimGroupDeleted>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) =>
            ApplyGroupAsync(m.ProviderId, m.GroupId, m.Version, m.OccurredAt, displayName: null, team => team.ArchivedAt = m.OccurredAt, ct));

    public Task Consume(ConsumeContext<EventBatch<ScimGroupMembersAdded>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) =>
            ApplyMembersAsync(m.ProviderId, m.GroupId, m.Version, m.OccurredAt, m.MemberIds, active: true, ct));

    public Task Consume(ConsumeContext<EventBatch<ScimGroupMembersRemoved>> context) =>
        db.ApplyEachOnceAsync(context, nameof(ScimGroupEventsConsumer), (m, ct) =>
            ApplyMembersAsync(m.ProviderId, m.GroupId, m.Version, m.OccurredAt, m.MemberIds, active: false, ct));

    /// <param name="displayName">The group's name at <paramref name="version"/>; it names the team when newer than the name held.</param>
    /// <param name="change">The state change (archive or restore), applied when <paramref name="version"/> is the newest.</param>
    private async Task ApplyGroupAsync(Guid providerId, Guid groupId, long version, DateTimeOffset occurredAt, string? displayName, Action<Team> change, CancellationToken cancellationToken)
    {
        var team = await LockTeamAsync(providerId, groupId, occurredAt, cancellationToken);
        var (nameBefore, listedBefore) = (team.Name, team.ArchivedAt is null);
        var renamed = displayName is not null && version > team.NameVersion;
        if (renamed)
        {
            team.Rename(displayName!);
            team.NameVersion = version;
        }

        var newest = version > team.ScimGroupVersion;
        if (newest)
        {
            change(team);
            team.ScimGroupVersion = version;
        }

        if (renamed || newest)
        {
            team.UpdatedAt = occurredAt > team.UpdatedAt ? occurredAt : team.UpdatedAt;
            await db.SaveChangesAsync(cancellationToken);
            var members = await db.Memberships.Where(m => m.TeamId == groupId && m.Active).Select(m => m.UserId).Distinct().ToListAsync(cancellationToken);
            if (team.Name != nameBefore || (team.ArchivedAt is null) != listedBefore)
            {
                members.ForEach(member => refresher.TeamChanged(member, groupId)); // every member's entry for the team changes
            }

            await refresher.RefreshAsync(providerId, members, cancellationToken);
        }
    }

    private async Task ApplyMembersAsync(Guid providerId, Guid groupId, long version, DateTimeOffset occurredAt, IReadOnlyList<Guid> memberIds, bool active, CancellationToken cancellationToken)
    {
        await LockTeamAsync(providerId, groupId, occurredAt, cancellationToken);
        await db.SaveChangesAsync(cancellationToken); // a placeholder team must exist before its memberships
        var ids = memberIds.Distinct().ToArray();
        var users = new List<MappedUser>(ids.Length);
        foreach (var batch in ids.Order().Chunk(AffiliationRefresher.BatchSize))
        {
            users.AddRange(await refresher.LockUsersAsync(providerId, batch, cancellationToken)); // a concurrent deletion commits first or waits
        }

        // The members whose grant from this group actually changed (added or removed, not re-sent) are the ones to report.
        var source = nameof(MembershipSource.ScimGroup);
        var changed = await db.Database.SqlQuery<Guid>($"""
            WITH before AS (
                SELECT user_id, active FROM team_mapping.team_memberships WHERE team_id = {groupId} AND source = {source} AND user_id = ANY({ids})
            ), applied AS (
                INSERT INTO team_mapping.team_memberships (team_id, user_id, source, active, version, granted_at, updated_at)
                SELECT {groupId}, member, {source}, {active}, {version}, {occurredAt}, {occurredAt} FROM unnest({ids}) AS member
                WHERE NOT EXISTS (SELECT 1 FROM team_mapping.users u WHERE u.id = member AND u.state = 'Deleted')
                ON CONFLICT (team_id, user_id, source) DO UPDATE
                SET active = EXCLUDED.active, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at,
                    granted_at = CASE WHEN team_memberships.active THEN team_memberships.granted_at ELSE EXCLUDED.granted_at END
                WHERE team_memberships.version < EXCLUDED.version
                RETURNING user_id, active
            )
            SELECT applied.user_id AS "Value" FROM applied LEFT JOIN before ON before.user_id = applied.user_id
            WHERE COALESCE(before.active, FALSE) <> applied.active
            """).ToListAsync(cancellationToken);
        changed.ForEach(member => refresher.TeamChanged(member, groupId));
        await refresher.RefreshLockedAsync(users, cancellationToken);
    }

    /// <summary>
    /// The group's team, locked for this transaction. An event that overtakes the group's creation makes a placeholder
    /// (version 0, archived until the creation or a rename names it).
    /// </summary>
    private async Task<Team> LockTeamAsync(Guid providerId, Guid groupId, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        var team = await db.Teams.FromSql($"SELECT * FROM team_mapping.teams WHERE id = {groupId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (team is null)
        {
            team = new Team { Id = groupId, ProviderId = providerId, ScimGroupId = groupId, ArchivedAt = occurredAt, CreatedAt = occurredAt, UpdatedAt = occurredAt };
            db.Teams.Add(team);
        }

        return team;
    }
}

public sealed class ScimGroupEventsConsumerDefinition : BifrostConsumerDefinition<ScimGroupEventsConsumer>;
