using Bifrost.Identity.Infrastructure.EntityConfigurations;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Infrastructure;

/// <summary>
/// Writes the governance users added to the change tracker in one <c>INSERT</c> of column arrays, where
/// <c>SaveChanges</c> sends a statement per user (an initial cycle's batch of user events adds dozens of users at once).
/// The entities stay tracked, as unchanged: the caller's later changes to them, and <c>SaveChanges</c>, go on as before.
/// </summary>
internal static class GovernanceUserInserts
{
    public static async Task InsertAddedUsersAsync(this IdentityDbContext db, CancellationToken cancellationToken)
    {
        var added = db.ChangeTracker.Entries<GovernanceUser>().Where(e => e.State == EntityState.Added).ToList();
        if (added.Count == 0)
        {
            return;
        }

        var users = added.ConvertAll(e => e.Entity);
        var ids = users.ConvertAll(u => u.Id).ToArray();
        var providers = users.ConvertAll(u => u.ProviderId).ToArray();
        var userNames = users.ConvertAll(u => u.UserName).ToArray();
        var externalIds = users.ConvertAll(u => u.ExternalId).ToArray();
        var displayNames = users.ConvertAll(u => u.DisplayName).ToArray();
        var emails = users.ConvertAll(u => u.Email).ToArray();
        var states = users.ConvertAll(u => u.State.ToString()).ToArray();
        var attributes = users.ConvertAll(u => GovernanceUserEntityTypeConfiguration.AttributesJson(u.Attributes)).ToArray();
        var roles = users.ConvertAll(u => u.Role).ToArray();
        var reasons = users.ConvertAll(u => u.RoleReason is { } reason ? GovernanceUserEntityTypeConfiguration.RoleReasonJson(reason) : null).ToArray();
        var versions = users.ConvertAll(u => u.Version).ToArray();
        var snapshotVersions = users.ConvertAll(u => u.SnapshotVersion).ToArray();
        var traceIds = users.ConvertAll(u => u.LastTraceId).ToArray();
        var created = users.ConvertAll(u => u.CreatedAt).ToArray();
        var updated = users.ConvertAll(u => u.UpdatedAt).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO identity.users (id, provider_id, user_name, external_id, display_name, email, state, attributes, role,
                role_reason, version, snapshot_version, last_trace_id, created_at, updated_at)
            SELECT id, provider_id, user_name, external_id, display_name, email, state, attributes::jsonb, role,
                role_reason::jsonb, version, snapshot_version, last_trace_id, created_at, updated_at
            FROM unnest({ids}, {providers}, {userNames}, {externalIds}, {displayNames}, {emails}, {states}, {attributes}, {roles},
                {reasons}, {versions}, {snapshotVersions}, {traceIds}, {created}, {updated})
                AS u(id, provider_id, user_name, external_id, display_name, email, state, attributes, role,
                     role_reason, version, snapshot_version, last_trace_id, created_at, updated_at)
            """, cancellationToken);
        added.ForEach(e => e.State = EntityState.Unchanged);
    }
}
