using Bifrost.Mapping;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Services;

/// <summary>
/// Computes and stores users' roles from their provider's current rules, attributes and group memberships, inside the
/// caller's transaction. Callers lock the user rows first (<see cref="LockUsersAsync"/>), so two changes touching the
/// same user cannot both compute from a stale view and the later commit always holds the latest inputs.
/// </summary>
public sealed class RoleAssigner(IdentityDbContext db)
{
    /// <summary>The rules read under this transaction's provider lock, reused by <see cref="AssignAsync"/> (one round trip less).</summary>
    private readonly Dictionary<Guid, ProviderRules> _lockedRules = [];

    private sealed record ProviderRules(ProviderMappings Mappings, long MappingsVersion);

    /// <summary>Locks and loads the existing users among <paramref name="userIds"/>, in id order (no deadlocks between batches).</summary>
    public Task<List<GovernanceUser>> LockUsersAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var ids = userIds.Distinct().ToArray();
        return db.Users.FromSql($"SELECT * FROM identity.users WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Takes, in this order, the locks every role computation of an event needs: the provider row FOR SHARE (a rule
    /// change waits for this transaction, or this one for it, so no role is committed from rules older than those the
    /// background recomputation applies), then a transaction-scoped advisory lock per user stripe (<see cref="IdStripes"/>), in stripe
    /// order. The advisory locks serialise, per user, every transaction that computes a role: row locks alone cannot,
    /// since a user being created is invisible to a concurrent membership change and each would miss the other.
    /// The recomputation worker skips the provider lock (<paramref name="lockRules"/> false): it holds its job row instead.
    /// </summary>
    public async Task LockRoleInputsAsync(Guid providerId, IEnumerable<Guid> userIds, CancellationToken cancellationToken, bool lockRules = true)
    {
        if (lockRules)
        {
            await LockRulesAsync(providerId, cancellationToken);
        }

        await db.Database.LockAsync(AdvisoryLockClass, userIds.Select(IdStripes.Of), shared: false, cancellationToken);
    }

    /// <summary>
    /// For a group change (membership or name): takes the provider row FOR SHARE and tells whether the provider's role
    /// rules read <c>groups</c>. When they do not, no role can change and the caller skips the per-user locks and the
    /// recomputation: a rule change that adds a <c>groups</c> rule waits for this transaction, and its background
    /// recomputation then sees the membership this transaction commits.
    /// </summary>
    public async Task<bool> GroupsAffectRolesAsync(Guid providerId, CancellationToken cancellationToken) =>
        await LockRulesAsync(providerId, cancellationToken) is { } rules && RoleResolver.ReadsGroups(rules.Mappings);

    /// <summary>Takes the provider row FOR SHARE and keeps the rules it read for this transaction's role computations.</summary>
    private async Task<ProviderRules?> LockRulesAsync(Guid providerId, CancellationToken cancellationToken)
    {
        var rules = await db.Providers
            .FromSql($"SELECT * FROM identity.providers WHERE id = {providerId} FOR SHARE")
            .AsNoTracking()
            .Select(p => new ProviderRules(p.Mappings, p.MappingsVersion))
            .SingleOrDefaultAsync(cancellationToken);
        if (rules is null)
        {
            _lockedRules.Remove(providerId);
        }
        else
        {
            _lockedRules[providerId] = rules;
        }

        return rules;
    }

    private const int AdvisoryLockClass = 0x1D3;

    /// <summary>Locks the users among <paramref name="userIds"/> and recomputes their roles.</summary>
    public async Task RecomputeAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }

        await AssignAsync(await LockUsersAsync(userIds, cancellationToken), cancellationToken);
    }

    /// <summary>Sets <see cref="GovernanceUser.Role"/> and its reason on tracked, locked users.</summary>
    public async Task AssignAsync(IReadOnlyList<GovernanceUser> users, CancellationToken cancellationToken)
    {
        if (users.Count == 0)
        {
            return;
        }

        var providerIds = users.Select(u => u.ProviderId).Distinct().ToArray();
        var providers = providerIds.Where(_lockedRules.ContainsKey).ToDictionary(id => id, id => _lockedRules[id]);
        var unread = providerIds.Where(id => !providers.ContainsKey(id)).ToArray();
        if (unread.Length > 0)
        {
            foreach (var p in await db.Providers.AsNoTracking()
                .Where(p => unread.Contains(p.Id))
                .Select(p => new { p.Id, p.Mappings, p.MappingsVersion })
                .ToListAsync(cancellationToken))
            {
                providers[p.Id] = new ProviderRules(p.Mappings, p.MappingsVersion);
            }
        }

        // Group names matter only to a provider with a groups rule: skip the query otherwise.
        var groups = providers.Values.Any(p => RoleResolver.ReadsGroups(p.Mappings))
            ? await GroupNamesAsync(users.Select(u => u.Id).ToArray(), cancellationToken)
            : [];

        foreach (var user in users)
        {
            var decision = providers.TryGetValue(user.ProviderId, out var provider)
                ? RoleResolver.Resolve(provider.Mappings, provider.MappingsVersion, Subject(user, groups.GetValueOrDefault(user.Id) ?? []))
                : null;
            user.Role = decision?.Role;
            user.RoleReason = decision?.Reason;
        }
    }

    /// <summary>The displayNames of the live groups each user is an active member of.</summary>
    public async Task<Dictionary<Guid, List<string>>> GroupNamesAsync(Guid[] userIds, CancellationToken cancellationToken)
    {
        var rows = await (from m in db.GroupMemberships
                          join g in db.Groups on m.GroupId equals g.Id
                          where userIds.Contains(m.UserId) && m.Active && !g.Deleted && g.DisplayName != null
                          select new { m.UserId, g.DisplayName })
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.UserId).ToDictionary(g => g.Key, g => g.Select(r => r.DisplayName!).ToList());
    }

    public static RuleSubject Subject(GovernanceUser user, IReadOnlyCollection<string> groups) =>
        new(user.Attributes, user.Email, groups) { UserName = user.UserName, DisplayName = user.DisplayName, ExternalId = user.ExternalId };
}
