using Bifrost.Contracts.Governance;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Messaging;

/// <summary>
/// Keeps each user's teams and business units as team-mapping reports them. A report carries the complete lists and a
/// per-user version: a newer one replaces what is stored, an older or repeated one changes nothing.
/// Each message carries the reports of the users one change touched (a group's member PATCH: one per member), and
/// messages are taken in batches: one transaction per batch records the message ids, keeps each user's newest report,
/// moves the version rows forward in one statement (row-locked in user order, so two batches for one user apply one
/// after the other and never deadlock), reads the stored lists of the users whose version moved and writes only what
/// differs from their reports. Four round trips plus the changes for up to
/// <see cref="UserAffiliationsConsumerDefinition.Messages"/> messages.
/// </summary>
public sealed class UserAffiliationsConsumer(IdentityDbContext db) : IConsumer<Batch<UserAffiliationsReported>>
{
    public Task Consume(ConsumeContext<Batch<UserAffiliationsReported>> context) =>
        db.ApplyOnceAsync(context, nameof(UserAffiliationsConsumer), async (messages, cancellationToken) =>
        {
            var newest = messages
                .SelectMany(m => m.Message.Reports)
                .GroupBy(m => m.UserId)
                .Select(g => g.MaxBy(m => m.Version)!)
                .OrderBy(m => m.UserId)
                .ToList();
            var users = newest.Select(m => m.UserId).ToArray();
            var providers = newest.Select(m => m.ProviderId).ToArray();
            var versions = newest.Select(m => m.Version).ToArray();
            var applied = (await db.Database.SqlQuery<Guid>($"""
                INSERT INTO identity.user_affiliation_versions AS v (user_id, provider_id, version)
                SELECT u, p, n FROM unnest({users}, {providers}, {versions}) AS t(u, p, n) ORDER BY u
                ON CONFLICT (user_id) DO UPDATE SET version = excluded.version WHERE v.version < excluded.version
                RETURNING v.user_id AS "Value"
                """).ToListAsync(cancellationToken)).ToHashSet();
            if (applied.Count == 0)
            {
                return;
            }

            // Each report holds the user's complete lists, but one change rarely moves more than one entry of them (a member
            // added to one group): the stored rows are compared with the reported ones and only the differences are
            // written, so a user in twenty teams costs one insert, not twenty deletes and twenty-one inserts.
            var ids = applied.ToArray();
            var stored = (await db.UserAffiliations.AsNoTracking().Where(a => ids.Contains(a.UserId)).ToListAsync(cancellationToken))
                .ToDictionary(a => (a.UserId, a.Kind, a.TargetId));
            foreach (var message in newest.Where(m => applied.Contains(m.UserId)))
            {
                var reported = Rows(message.UserId, AffiliationKind.Team, message.Teams)
                    .Concat(Rows(message.UserId, AffiliationKind.BusinessUnit, message.BusinessUnits));
                foreach (var row in reported)
                {
                    if (!stored.Remove((row.UserId, row.Kind, row.TargetId), out var current))
                    {
                        db.UserAffiliations.Add(row);
                    }
                    else if (current.Name != row.Name || !current.Sources.SequenceEqual(row.Sources, StringComparer.Ordinal))
                    {
                        db.UserAffiliations.Update(row);
                    }
                }
            }

            // What is left was not reported again: the user has left that team or business unit.
            db.UserAffiliations.RemoveRange(stored.Values);
        });

    private static IEnumerable<UserAffiliation> Rows(Guid userId, AffiliationKind kind, IReadOnlyList<Affiliation> affiliations) =>
        affiliations
            .GroupBy(a => a.Id)
            .Select(g => new UserAffiliation
            {
                UserId = userId,
                Kind = kind,
                TargetId = g.Key,
                Name = g.First().Name,
                Sources = [.. g.SelectMany(a => a.Sources).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            });
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

    protected override TimeSpan TimeLimit => Limit;
}
