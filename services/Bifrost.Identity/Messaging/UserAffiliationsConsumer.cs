using Bifrost.Contracts.Governance;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Messaging;

/// <summary>
/// Keeps each user's teams and business units as team-mapping reports them (see <see cref="UserAffiliationsChanged"/>).
/// Each message carries the reports of the users one change touched, and messages are taken in batches: one transaction
/// per batch records the message ids, then
/// <list type="number">
/// <item>locks the batch's users' version rows in user order (two batches for one user apply one after the other and
/// never deadlock) and moves each to the user's newest complete report: that version is the user's floor, and any report
/// at or below it is ignored;</item>
/// <item>applies each complete report that set the floor: reads the user's stored rows and writes only what differs
/// (a user in twenty teams costs one insert, not twenty deletes and twenty-one inserts), leaving alone the rows a newer
/// changes-only report already wrote;</item>
/// <item>applies every changes-only entry above the floor in one statement, each only when newer than the row it meets.
/// An entry the user left becomes a row without sources, so an older report arriving later cannot bring it back.</item>
/// </list>
/// Repeated or reordered reports therefore leave the same rows, and a member change costs one row whatever the user's
/// other teams.
/// </summary>
public sealed class UserAffiliationsConsumer(IdentityDbContext db) : IConsumer<Batch<EventBatch<UserAffiliationsReported>>>
{
    public Task Consume(ConsumeContext<Batch<EventBatch<UserAffiliationsReported>>> context) =>
        db.ApplyOnceAsync(context, nameof(UserAffiliationsConsumer), async (messages, cancellationToken) =>
        {
            var reports = messages.SelectMany(m => m.Message.Reports).ToList();
            var users = reports
                .GroupBy(r => r.UserId)
                .Select(g => (UserId: g.Key, g.First().ProviderId, Complete: g.Where(r => !r.ChangesOnly).Select(r => r.Version).DefaultIfEmpty(0).Max()))
                .OrderBy(u => u.UserId)
                .ToList();
            var floors = (await db.Database.SqlQuery<Floor>($"""
                INSERT INTO identity.user_affiliation_versions AS v (user_id, provider_id, version)
                SELECT u, p, n FROM unnest({users.Select(u => u.UserId).ToArray()}, {users.Select(u => u.ProviderId).ToArray()}, {users.Select(u => u.Complete).ToArray()}) AS t(u, p, n)
                ORDER BY u
                ON CONFLICT (user_id) DO UPDATE SET version = GREATEST(v.version, excluded.version)
                RETURNING v.user_id AS "UserId", v.version AS "Version"
                """).ToListAsync(cancellationToken)).ToDictionary(f => f.UserId, f => f.Version);

            var complete = reports
                .Where(r => !r.ChangesOnly && r.Version == floors[r.UserId])
                .DistinctBy(r => r.UserId)
                .ToList();
            if (complete.Count > 0)
            {
                await ReplaceAsync(complete, cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
            }

            var entries = reports
                .Where(r => r.ChangesOnly && r.Version > floors[r.UserId])
                .SelectMany(r => Rows(r.UserId, AffiliationKind.Team, r.Teams, r.Version)
                    .Concat(Rows(r.UserId, AffiliationKind.BusinessUnit, r.BusinessUnits, r.Version))
                    .Concat(r.LeftTeams.Select(id => Left(r.UserId, AffiliationKind.Team, id, r.Version)))
                    .Concat(r.LeftBusinessUnits.Select(id => Left(r.UserId, AffiliationKind.BusinessUnit, id, r.Version))))
                .GroupBy(a => (a.UserId, a.Kind, a.TargetId))
                .Select(g => g.MaxBy(a => a.Version)!)
                .OrderBy(a => a.UserId).ThenBy(a => a.Kind).ThenBy(a => a.TargetId)
                .ToList();
            if (entries.Count > 0)
            {
                await ApplyChangesAsync(entries, cancellationToken);
            }
        });

    /// <summary>Complete reports: the user's rows become the reported lists, except rows a newer changes-only report wrote.</summary>
    private async Task ReplaceAsync(List<UserAffiliationsChanged> reports, CancellationToken cancellationToken)
    {
        var ids = reports.Select(r => r.UserId).ToArray();
        var stored = (await db.UserAffiliations.AsNoTracking().Where(a => ids.Contains(a.UserId)).ToListAsync(cancellationToken))
            .ToDictionary(a => (a.UserId, a.Kind, a.TargetId));
        foreach (var report in reports)
        {
            var reported = Rows(report.UserId, AffiliationKind.Team, report.Teams, report.Version)
                .Concat(Rows(report.UserId, AffiliationKind.BusinessUnit, report.BusinessUnits, report.Version));
            foreach (var row in reported)
            {
                if (!stored.Remove((row.UserId, row.Kind, row.TargetId), out var current))
                {
                    db.UserAffiliations.Add(row);
                }
                else if (current.Version < report.Version
                    && (current.Name != row.Name || !current.Sources.SequenceEqual(row.Sources, StringComparer.Ordinal)))
                {
                    db.UserAffiliations.Update(row);
                }
            }
        }

        // What is left was not reported again: the user has left that team or business unit (unless a newer change says otherwise).
        var versions = reports.ToDictionary(r => r.UserId, r => r.Version);
        db.UserAffiliations.RemoveRange(stored.Values.Where(a => a.Version < versions[a.UserId]));
    }

    /// <summary>Changes-only entries (the newest per row, in key order): each written only over an older row.</summary>
    private Task ApplyChangesAsync(List<UserAffiliation> entries, CancellationToken cancellationToken)
    {
        var users = entries.Select(a => a.UserId).ToArray();
        var kinds = entries.Select(a => a.Kind.ToString()).ToArray();
        var targets = entries.Select(a => a.TargetId).ToArray();
        var names = entries.Select(a => a.Name).ToArray();
        var sources = entries.Select(a => string.Join(',', a.Sources)).ToArray();
        var versions = entries.Select(a => a.Version).ToArray();
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO identity.user_affiliations AS a (user_id, kind, target_id, name, sources, version)
            SELECT u, k, t, n, string_to_array(s, ','), v FROM unnest({users}, {kinds}, {targets}, {names}, {sources}, {versions}) AS e(u, k, t, n, s, v)
            ON CONFLICT (user_id, kind, target_id) DO UPDATE
            SET name = CASE WHEN cardinality(excluded.sources) = 0 THEN a.name ELSE excluded.name END, sources = excluded.sources, version = excluded.version
            WHERE a.version < excluded.version
            """, cancellationToken);
    }

    private static IEnumerable<UserAffiliation> Rows(Guid userId, AffiliationKind kind, IReadOnlyList<Affiliation> affiliations, long version) =>
        affiliations
            .GroupBy(a => a.Id)
            .Select(g => new UserAffiliation
            {
                UserId = userId,
                Kind = kind,
                TargetId = g.Key,
                Name = g.First().Name,
                Sources = [.. g.SelectMany(a => a.Sources).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                Version = version,
            });

    private static UserAffiliation Left(Guid userId, AffiliationKind kind, Guid targetId, long version) =>
        new() { UserId = userId, Kind = kind, TargetId = targetId, Version = version };

    private sealed record Floor(Guid UserId, long Version);
}

/// <summary>
/// Batches of up to <see cref="Messages"/> messages (each of up to a few hundred reports), started as soon as one arrives and closed after
/// <see cref="Limit"/> at the latest (so a lone report waits at most that long), two batches at a time.
/// </summary>
public sealed class UserAffiliationsConsumerDefinition : BifrostBatchConsumerDefinition<UserAffiliationsConsumer>
{
    public const int Messages = 20;
    public static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(10);

    protected override int MessageLimit => Messages;

    protected override TimeSpan? TimeLimit => Limit;
}
