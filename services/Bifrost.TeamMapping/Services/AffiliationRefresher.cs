using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bifrost.Contracts.Governance;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Services;

/// <summary>
/// Brings users' rule-made memberships up to date and publishes their affiliations when they changed. Runs inside the
/// caller's transaction (a consumer's inbox transaction, an API write, a recomputation batch): locks the users' rows
/// (in id order), evaluates the provider's team rules then its business-unit rules against each user's attribute
/// snapshot and current SCIM groups, creates the named teams and business units that do not exist, adds and removes
/// only <see cref="MembershipSource.AttributeMapping"/> rows, and queues in the outbox one
/// <see cref="UserAffiliationsReported"/> per batch of users, with a report for every user whose lists (names and
/// sources included) differ from the last one published.
/// </summary>
public sealed class AffiliationRefresher(TeamMappingDbContext db, TimeProvider time)
{
    public const int BatchSize = 500;

    private static readonly string EmptyHash = Hash([], []);

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
                INSERT INTO team_mapping.users (id, provider_id, state, version, attributes, affiliations_version, affiliations_hash, updated_at)
                SELECT u, {provider}, 'Active', 0, jsonb_build_object(), 0, '', {now} FROM unnest({ids}) AS u ORDER BY u
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
            INSERT INTO team_mapping.users (id, provider_id, state, version, attributes, affiliations_version, affiliations_hash, updated_at)
            SELECT u, p, 'Active', 0, jsonb_build_object(), 0, '', {now} FROM unnest({ids}, {providerIds}) AS t(u, p) ORDER BY u
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
            }
        }

        foreach (var (userId, teams) in wantedTeams)
        {
            db.Memberships.AddRange(teams.Select(teamId => new TeamMembership
            {
                TeamId = teamId, UserId = userId, Source = MembershipSource.AttributeMapping, Active = true, GrantedAt = now, UpdatedAt = now,
            }));
        }

        var unitRows = await db.BusinessUnitMemberships.Where(m => ids.Contains(m.UserId) && m.Source == MembershipSource.AttributeMapping).ToListAsync(cancellationToken);
        foreach (var row in unitRows)
        {
            if (!(wantedUnits.GetValueOrDefault(row.UserId)?.Remove(row.BusinessUnitId) ?? false))
            {
                db.BusinessUnitMemberships.Remove(row);
            }
        }

        foreach (var (userId, units) in wantedUnits)
        {
            db.BusinessUnitMemberships.AddRange(units.Select(unitId => new BusinessUnitMembership
            {
                BusinessUnitId = unitId, UserId = userId, Source = MembershipSource.AttributeMapping, GrantedAt = now,
            }));
        }

        await db.SaveChangesAsync(cancellationToken);
        await PublishChangesAsync(users, ids, now, cancellationToken);
    }

    private async Task PublishChangesAsync(MappedUser[] users, Guid[] ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Teams and business units in one round trip (UNION ALL).
        var grants = await (from m in db.Memberships
                            join t in db.Teams on m.TeamId equals t.Id
                            where ids.Contains(m.UserId) && m.Active && t.ArchivedAt == null
                            select new { m.UserId, TargetId = t.Id, t.Name, m.Source, Team = true })
            .Concat(from m in db.BusinessUnitMemberships
                    join b in db.BusinessUnits on m.BusinessUnitId equals b.Id
                    where ids.Contains(m.UserId)
                    select new { m.UserId, TargetId = b.Id, b.Name, m.Source, Team = false })
            .ToListAsync(cancellationToken);
        var teamGrants = grants.Where(g => g.Team).Select(g => new Grant(g.UserId, g.TargetId, g.Name, g.Source)).ToLookup(g => g.UserId);
        var unitGrants = grants.Where(g => !g.Team).Select(g => new Grant(g.UserId, g.TargetId, g.Name, g.Source)).ToLookup(g => g.UserId);

        var reports = new List<UserAffiliationsChanged>();
        foreach (var user in users)
        {
            var teams = Affiliations(teamGrants[user.Id]);
            var units = Affiliations(unitGrants[user.Id]);
            var hash = Hash(teams, units);
            if (hash == user.AffiliationsHash || (user.AffiliationsHash.Length == 0 && hash == EmptyHash))
            {
                continue;
            }

            user.AffiliationsHash = hash;
            user.AffiliationsVersion++;
            reports.Add(new UserAffiliationsChanged
            {
                ProviderId = user.ProviderId,
                UserId = user.Id,
                Version = user.AffiliationsVersion,
                OccurredAt = now,
                Teams = teams,
                BusinessUnits = units,
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

    private static List<Affiliation> Affiliations(IEnumerable<Grant> grants) => grants
        .GroupBy(g => g.TargetId)
        .Select(g => new Affiliation(g.Key, g.First().Name, g.Select(x => SourceName(x.Source)).Distinct().Order(StringComparer.Ordinal).ToList()))
        .OrderBy(a => a.Name.ToLowerInvariant(), StringComparer.Ordinal).ThenBy(a => a.Id)
        .ToList();

    private static string Hash(List<Affiliation> teams, List<Affiliation> units) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { teams, units }))));

    /// <summary>The source names of the API and of <see cref="AffiliationSources"/>.</summary>
    public static string SourceName(MembershipSource source) => source switch
    {
        MembershipSource.Manual => AffiliationSources.Manual,
        MembershipSource.ScimGroup => AffiliationSources.ScimGroup,
        _ => AffiliationSources.AttributeMapping,
    };

    private sealed record Grant(Guid UserId, Guid TargetId, string Name, MembershipSource Source);
}
