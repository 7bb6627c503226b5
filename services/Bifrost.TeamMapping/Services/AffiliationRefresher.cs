using Bifrost.Contracts.Governance;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Services;

/// <summary>
/// Brings users' rule-made memberships up to date and reports what changed in their affiliations. Runs inside the
/// caller's transaction (a consumer's inbox transaction, an API write, a recomputation batch): locks the users' rows
/// (in id order), evaluates the provider's team rules then its business-unit rules against each user's attribute
/// snapshot and current SCIM groups, creates the named teams and business units that do not exist, adds and removes
/// only <see cref="MembershipSource.AttributeMapping"/> rows, and queues in the outbox one
/// <see cref="UserAffiliationsReported"/> per batch of users.
/// Reports carry only what changed (<see cref="UserAffiliationsChanged.ChangesOnly"/>): the rule-made rows this refresh
/// added or removed, and the (user, team) and (user, business unit) pairs the caller marked with
/// <see cref="TeamChanged"/> and <see cref="BusinessUnitChanged"/> (a SCIM membership, a rename, a manual grant), each
/// read back as it now stands. A member added to one group costs one entry whatever the user's other groups; a user
/// whose pairs did not change gets no report. A deleted user (<see cref="Deleted"/>) gets a complete, empty report.
/// </summary>
public sealed class AffiliationRefresher(TeamMappingDbContext db, TimeProvider time)
{
    public const int BatchSize = 500;

    private readonly HashSet<(Guid UserId, bool Team, Guid TargetId)> _changed = [];
    private readonly HashSet<Guid> _deleted = [];

    /// <summary>The user's grants of the team changed in this transaction: the user's next refresh reports the pair as it then stands.</summary>
    public void TeamChanged(Guid userId, Guid teamId) => _changed.Add((userId, true, teamId));

    /// <summary>The same for a business unit.</summary>
    public void BusinessUnitChanged(Guid userId, Guid businessUnitId) => _changed.Add((userId, false, businessUnitId));

    /// <summary>The user was deleted (every membership is gone): the next refresh reports complete, empty lists.</summary>
    public void Deleted(Guid userId) => _deleted.Add(userId);

    /// <param name="providerId">When given, users not seen yet get a placeholder row in this provider.</param>
    public async Task RefreshAsync(Guid? providerId, IEnumerable<Guid> userIds, CancellationToken cancellationToken)
    {
        foreach (var batch in userIds.Distinct().Order().Chunk(BatchSize))
        {
            await RefreshLockedAsync(await LockUsersAsync(providerId, batch, cancellationToken), cancellationToken);
        }
    }

    /// <summary>
    /// The same for users the caller has already locked in this transaction with <see cref="LockUsersAsync"/> (or its
    /// own <c>FOR UPDATE</c>), as tracked entities: their unsaved changes are saved with the refresh.
    /// </summary>
    public async Task RefreshLockedAsync(IReadOnlyList<MappedUser> users, CancellationToken cancellationToken)
    {
        foreach (var batch in users.Chunk(BatchSize))
        {
            await RefreshBatchAsync(batch, cancellationToken);
        }
    }

    /// <summary>
    /// Locks the users' rows for the rest of the transaction (making placeholders in <paramref name="providerId"/> for
    /// users not seen yet), so a membership change and the user's deletion cannot interleave: whichever commits second
    /// sees the other.
    /// </summary>
    public async Task<List<MappedUser>> LockUsersAsync(Guid? providerId, Guid[] ids, CancellationToken cancellationToken)
    {
        if (providerId is { } provider)
        {
            var now = time.GetUtcNow();
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO team_mapping.users (id, provider_id, state, version, attributes, affiliations_version, updated_at)
                SELECT u, {provider}, 'Active', 0, jsonb_build_object(), 0, {now} FROM unnest({ids}) AS u ORDER BY u
                ON CONFLICT (id) DO NOTHING
                """, cancellationToken);
        }

        return await db.Users.FromSql($"SELECT * FROM team_mapping.users WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The same for users of several providers (<paramref name="providerIds"/>[i] is <paramref name="ids"/>[i]'s): one
    /// placeholder insert and one lock, both in id order, so batches that share users cannot deadlock.
    /// </summary>
    public async Task<List<MappedUser>> LockUsersAsync(Guid[] ids, Guid[] providerIds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO team_mapping.users (id, provider_id, state, version, attributes, affiliations_version, updated_at)
            SELECT u, p, 'Active', 0, jsonb_build_object(), 0, {now} FROM unnest({ids}, {providerIds}) AS t(u, p) ORDER BY u
            ON CONFLICT (id) DO NOTHING
            """, cancellationToken);
        return await db.Users.FromSql($"SELECT * FROM team_mapping.users WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(cancellationToken);
    }

    private async Task RefreshBatchAsync(MappedUser[] users, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (users.Length == 0)
        {
            return;
        }

        var ids = users.Select(u => u.Id).ToArray();

        var providerIds = users.Select(u => u.ProviderId).Distinct().ToList();
        var rules = await db.ProviderRules.AsNoTracking().Where(r => providerIds.Contains(r.ProviderId) && !r.ProviderDeleted).ToDictionaryAsync(r => r.ProviderId, cancellationToken);
        var groups = rules.Values.Any(r => r.UsesGroups)
            ? (await (from m in db.Memberships
                      join t in db.Teams on m.TeamId equals t.Id
                      where ids.Contains(m.UserId) && m.Source == MembershipSource.ScimGroup && m.Active && t.ArchivedAt == null && t.ScimGroupId != null
                      select new { m.UserId, t.Name }).ToListAsync(cancellationToken)).ToLookup(g => g.UserId, g => g.Name)
            : null;

        // Teams first, then business units (decision f).
        var wantedTeams = new Dictionary<Guid, HashSet<Guid>>();
        var wantedUnits = new Dictionary<Guid, HashSet<Guid>>();
        var teamsToEnsure = new SortedDictionary<Guid, (Guid Provider, string Name, string Key)>();
        var unitsToEnsure = new SortedDictionary<Guid, (Guid Provider, string Name, string Key)>();
        foreach (var user in users)
        {
            var teams = wantedTeams[user.Id] = [];
            var units = wantedUnits[user.Id] = [];
            if (user.State == MappedUserState.Deleted || !rules.TryGetValue(user.ProviderId, out var providerRules))
            {
                continue;
            }

            var subject = user.RuleSubject(groups?[user.Id].ToList() ?? []);
            foreach (var name in RuleEvaluator.Evaluate(providerRules.TeamRules, subject))
            {
                var key = RuleEvaluator.Key(name);
                var id = StableIds.Team(user.ProviderId, key);
                teams.Add(id);
                teamsToEnsure.TryAdd(id, (user.ProviderId, name, key));
            }

            foreach (var name in RuleEvaluator.Evaluate(providerRules.BusinessUnitRules, subject))
            {
                var key = RuleEvaluator.Key(name);
                var id = StableIds.BusinessUnit(user.ProviderId, key);
                units.Add(id);
                unitsToEnsure.TryAdd(id, (user.ProviderId, name, key));
            }
        }

        await EnsureTeamsAsync(teamsToEnsure, now, cancellationToken);
        await EnsureBusinessUnitsAsync(unitsToEnsure, now, cancellationToken);

        var teamRows = await db.Memberships.Where(m => ids.Contains(m.UserId) && m.Source == MembershipSource.AttributeMapping).ToListAsync(cancellationToken);
        foreach (var row in teamRows)
        {
            if (!(wantedTeams.GetValueOrDefault(row.UserId)?.Remove(row.TeamId) ?? false))
            {
                db.Memberships.Remove(row);
                TeamChanged(row.UserId, row.TeamId);
            }
        }

        foreach (var (userId, teams) in wantedTeams)
        {
            foreach (var teamId in teams)
            {
                db.Memberships.Add(new TeamMembership
                {
                    TeamId = teamId, UserId = userId, Source = MembershipSource.AttributeMapping, Active = true, GrantedAt = now, UpdatedAt = now,
                });
                TeamChanged(userId, teamId);
            }
        }

        var unitRows = await db.BusinessUnitMemberships.Where(m => ids.Contains(m.UserId) && m.Source == MembershipSource.AttributeMapping).ToListAsync(cancellationToken);
        foreach (var row in unitRows)
        {
            if (!(wantedUnits.GetValueOrDefault(row.UserId)?.Remove(row.BusinessUnitId) ?? false))
            {
                db.BusinessUnitMemberships.Remove(row);
                BusinessUnitChanged(row.UserId, row.BusinessUnitId);
            }
        }

        foreach (var (userId, units) in wantedUnits)
        {
            foreach (var unitId in units)
            {
                db.BusinessUnitMemberships.Add(new BusinessUnitMembership
                {
                    BusinessUnitId = unitId, UserId = userId, Source = MembershipSource.AttributeMapping, GrantedAt = now,
                });
                BusinessUnitChanged(userId, unitId);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await PublishChangesAsync(users, ids, now, cancellationToken);
    }

    private async Task PublishChangesAsync(MappedUser[] users, Guid[] ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = ids.ToHashSet();
        var changed = _changed.Where(c => batch.Contains(c.UserId) && !_deleted.Contains(c.UserId)).ToList();
        _changed.RemoveWhere(c => batch.Contains(c.UserId));

        // The changed pairs as they now stand, teams and business units in one round trip (UNION ALL); a pair without a row is one the user left.
        var grants = new Dictionary<(Guid UserId, bool Team, Guid TargetId), Affiliation>();
        if (changed.Count > 0)
        {
            var teamIds = changed.Where(c => c.Team).Select(c => c.TargetId).Distinct().ToList();
            var unitIds = changed.Where(c => !c.Team).Select(c => c.TargetId).Distinct().ToList();
            var rows = await (from m in db.Memberships
                              join t in db.Teams on m.TeamId equals t.Id
                              where ids.Contains(m.UserId) && teamIds.Contains(m.TeamId) && m.Active && t.ArchivedAt == null
                              select new { m.UserId, TargetId = t.Id, t.Name, m.Source, Team = true })
                .Concat(from m in db.BusinessUnitMemberships
                        join b in db.BusinessUnits on m.BusinessUnitId equals b.Id
                        where ids.Contains(m.UserId) && unitIds.Contains(m.BusinessUnitId)
                        select new { m.UserId, TargetId = b.Id, b.Name, m.Source, Team = false })
                .ToListAsync(cancellationToken);
            foreach (var pair in rows.GroupBy(g => (g.UserId, g.Team, g.TargetId)))
            {
                grants[pair.Key] = new Affiliation(pair.Key.TargetId, pair.First().Name, [.. pair.Select(x => SourceName(x.Source)).Distinct().Order(StringComparer.Ordinal)]);
            }
        }

        var changedByUser = changed.ToLookup(c => c.UserId);

        var reports = new List<UserAffiliationsChanged>();
        foreach (var user in users)
        {
            if (_deleted.Remove(user.Id))
            {
                user.AffiliationsVersion++;
                reports.Add(new UserAffiliationsChanged
                {
                    ProviderId = user.ProviderId, UserId = user.Id, Version = user.AffiliationsVersion, OccurredAt = now,
                });
                continue;
            }

            var pairs = changedByUser[user.Id].ToList();
            if (pairs.Count == 0)
            {
                continue;
            }

            user.AffiliationsVersion++;
            reports.Add(new UserAffiliationsChanged
            {
                ProviderId = user.ProviderId,
                UserId = user.Id,
                Version = user.AffiliationsVersion,
                OccurredAt = now,
                ChangesOnly = true,
                Teams = [.. pairs.Where(p => p.Team).Select(p => grants.GetValueOrDefault(p)).OfType<Affiliation>()],
                BusinessUnits = [.. pairs.Where(p => !p.Team).Select(p => grants.GetValueOrDefault(p)).OfType<Affiliation>()],
                LeftTeams = [.. pairs.Where(p => p.Team && !grants.ContainsKey(p)).Select(p => p.TargetId)],
                LeftBusinessUnits = [.. pairs.Where(p => !p.Team && !grants.ContainsKey(p)).Select(p => p.TargetId)],
            });
        }

        // One message for the batch's changed users.
        if (reports.Count > 0)
        {
            db.AddOutboxMessage(new UserAffiliationsReported { Reports = reports }, time);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private Task EnsureTeamsAsync(SortedDictionary<Guid, (Guid Provider, string Name, string Key)> teams, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (teams.Count == 0)
        {
            return Task.CompletedTask;
        }

        var (ids, providers, names, keys) = Columns(teams);
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO team_mapping.teams (id, provider_id, name, name_key, scim_group_id, scim_group_version, archived_at, created_at, updated_at)
            SELECT id, provider, name, key, NULL, 0, NULL, {now}, {now} FROM unnest({ids}, {providers}, {names}, {keys}) AS t(id, provider, name, key)
            ON CONFLICT DO NOTHING
            """, cancellationToken);
    }

    private Task EnsureBusinessUnitsAsync(SortedDictionary<Guid, (Guid Provider, string Name, string Key)> units, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (units.Count == 0)
        {
            return Task.CompletedTask;
        }

        var (ids, providers, names, keys) = Columns(units);
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO team_mapping.business_units (id, provider_id, name, name_key, created_at)
            SELECT id, provider, name, key, {now} FROM unnest({ids}, {providers}, {names}, {keys}) AS b(id, provider, name, key)
            ON CONFLICT DO NOTHING
            """, cancellationToken);
    }

    private static (Guid[] Ids, Guid[] Providers, string[] Names, string[] Keys) Columns(SortedDictionary<Guid, (Guid Provider, string Name, string Key)> rows) =>
        (rows.Keys.ToArray(), rows.Values.Select(r => r.Provider).ToArray(), rows.Values.Select(r => r.Name).ToArray(), rows.Values.Select(r => r.Key).ToArray());

    /// <summary>The source names of the API and of <see cref="AffiliationSources"/>.</summary>
    public static string SourceName(MembershipSource source) => source switch
    {
        MembershipSource.Manual => AffiliationSources.Manual,
        MembershipSource.ScimGroup => AffiliationSources.ScimGroup,
        _ => AffiliationSources.AttributeMapping,
    };
}
