using Bifrost.TeamMapping.Infrastructure.EntityConfigurations;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Infrastructure;

/// <summary>
/// Writes the snapshots (state, version, attributes, e-mail) of tracked, modified users in one <c>UPDATE</c> of column
/// arrays, where <c>SaveChanges</c> sends a statement per user (an initial cycle's batch of user events changes dozens
/// at once). The entities stay tracked, as unchanged: later changes to them, and <c>SaveChanges</c>, go on as before.
/// </summary>
internal static class MappedUserUpdates
{
    public static async Task SaveUserSnapshotsAsync(this TeamMappingDbContext db, IEnumerable<MappedUser> users, CancellationToken cancellationToken)
    {
        var modified = users.Select(db.Entry).Where(e => e.State == EntityState.Modified).ToList();
        if (modified.Count == 0)
        {
            return;
        }

        var ids = modified.ConvertAll(e => e.Entity.Id).ToArray();
        var states = modified.ConvertAll(e => e.Entity.State.ToString()).ToArray();
        var versions = modified.ConvertAll(e => e.Entity.Version).ToArray();
        var attributes = modified.ConvertAll(e => MappedUserEntityTypeConfiguration.AttributesJson(e.Entity.Attributes)).ToArray();
        var emails = modified.ConvertAll(e => e.Entity.Email).ToArray();
        var affiliationsVersions = modified.ConvertAll(e => e.Entity.AffiliationsVersion).ToArray();
        var updatedAt = modified.ConvertAll(e => e.Entity.UpdatedAt).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            UPDATE team_mapping.users AS u
            SET state = n.state, version = n.version, attributes = n.attributes::jsonb, email = n.email,
                affiliations_version = n.affiliations_version, updated_at = n.updated_at
            FROM unnest({ids}, {states}, {versions}, {attributes}, {emails}, {affiliationsVersions}, {updatedAt})
                AS n(id, state, version, attributes, email, affiliations_version, updated_at)
            WHERE u.id = n.id
            """, cancellationToken);
        // Written: the current values become the original ones (a plain state change to Unchanged would revert them).
        foreach (var entry in modified)
        {
            entry.OriginalValues.SetValues(entry.CurrentValues);
            entry.State = EntityState.Unchanged;
        }
    }
}
