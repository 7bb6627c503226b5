using Bifrost.Contracts.Governance;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Messaging;

/// <summary>
/// Keeps each user's teams and business units as team-mapping reports them. A report carries the complete lists and a
/// per-user version: a newer one replaces what is stored, an older or repeated one changes nothing. The version row is
/// locked for the transaction, so two reports for one user apply one after the other.
/// </summary>
public sealed class UserAffiliationsConsumer(IdentityDbContext db) : IConsumer<UserAffiliationsChanged>
{
    public Task Consume(ConsumeContext<UserAffiliationsChanged> context) =>
        db.ApplyOnceAsync(context, nameof(UserAffiliationsConsumer), async cancellationToken =>
        {
            var message = context.Message;
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO identity.user_affiliation_versions (user_id, provider_id, version)
                VALUES ({message.UserId}, {message.ProviderId}, 0) ON CONFLICT (user_id) DO NOTHING
                """, cancellationToken);
            var state = await db.UserAffiliationStates
                .FromSql($"SELECT * FROM identity.user_affiliation_versions WHERE user_id = {message.UserId} FOR UPDATE")
                .SingleAsync(cancellationToken);
            if (message.Version <= state.Version)
            {
                return;
            }

            state.Version = message.Version;
            await db.UserAffiliations.Where(a => a.UserId == message.UserId).ExecuteDeleteAsync(cancellationToken);
            db.UserAffiliations.AddRange(Rows(message.UserId, AffiliationKind.Team, message.Teams));
            db.UserAffiliations.AddRange(Rows(message.UserId, AffiliationKind.BusinessUnit, message.BusinessUnits));
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

public sealed class UserAffiliationsConsumerDefinition : BifrostConsumerDefinition<UserAffiliationsConsumer>;
