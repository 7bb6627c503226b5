using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Group commit for <c>POST /Users</c> (see <see cref="ScimBatcher{TRequest, TResult}"/>): every user row of the
/// batch and its outbox row in one <c>SaveChanges</c>. A userName already taken (case-insensitively, per provider)
/// fails the whole transaction: the creates whose names are taken then answer 409 and the others are written together
/// again. Two creates of one userName in a batch are written one after the other.
/// </summary>
internal sealed partial class ScimUserCreateBatcher(
    IServiceScopeFactory scopeFactory,
    IOptions<ScimOptions> options,
    ILogger<ScimUserCreateBatcher> logger) : ScimBatcher<ScimUserCreateBatcher.Create, bool>(options.Value.WriteBatchSize, options.Value.WriteBatchWriters)
{
    protected override string ActivityName => "scim user create batch";

    /// <summary>Writes the user and its event. Returns false when the provider already has a user with that userName (nothing was written).</summary>
    public Task<bool> CreateAsync(ScimUser user, OutboxMessage message, CancellationToken cancellationToken) =>
        EnqueueAsync(new Create(user, message), cancellationToken);

    protected override async Task RunBatchAsync(IReadOnlyList<Pending> batch)
    {
        // The first create of each userName goes with the batch; a repeat is written after it (and is then a 409,
        // unless the first failed).
        var seen = new HashSet<(Guid, string)>(batch.Count);
        var together = new List<Pending>(batch.Count);
        var after = new List<Pending>();
        foreach (var pending in batch)
        {
            (seen.Add((pending.Request.User.ProviderId, pending.Request.User.UserNameKey)) ? together : after).Add(pending);
        }

        // A taken userName fails the whole transaction: answer 409 to the creates whose names are taken and write the
        // others together again (a name taken meanwhile by another writer makes a further round, at most three).
        for (var round = 0; together.Count > 1 && round < 3; round++)
        {
            if (await TryWriteTogetherAsync(together))
            {
                together.Clear();
                break;
            }

            together = await AnswerTakenAsync(together);
        }

        await WriteOneByOneAsync([.. together, .. after]);
    }

    /// <summary>Answers <c>false</c> (taken) to the creates whose userName a user now has; returns the others.</summary>
    private async Task<List<Pending>> AnswerTakenAsync(List<Pending> creates)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        var taken = new HashSet<(Guid, string)>();
        foreach (var provider in creates.GroupBy(p => p.Request.User.ProviderId))
        {
            var keys = provider.Select(p => p.Request.User.UserNameKey).ToList();
            var found = await db.Users.AsNoTracking()
                .Where(u => u.ProviderId == provider.Key && keys.Contains(u.UserNameKey))
                .Select(u => u.UserNameKey)
                .ToListAsync(CancellationToken.None);
            taken.UnionWith(found.Select(k => (provider.Key, k)));
        }

        var others = new List<Pending>(creates.Count);
        foreach (var pending in creates)
        {
            if (taken.Contains((pending.Request.User.ProviderId, pending.Request.User.UserNameKey)))
            {
                pending.Completion.TrySetResult(false);
            }
            else
            {
                others.Add(pending);
            }
        }

        return others;
    }

    /// <returns>false when a userName was taken: nothing was written.</returns>
    private async Task<bool> TryWriteTogetherAsync(List<Pending> batch)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        foreach (var pending in batch)
        {
            db.Users.Add(pending.Request.User);
            db.Set<OutboxMessage>().Add(pending.Request.Message);
        }

        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
        {
            LogBatchConflict(logger, batch.Count);
            return false;
        }

        foreach (var pending in batch)
        {
            pending.Completion.TrySetResult(true);
        }

        return true;
    }

    private async Task WriteOneByOneAsync(List<Pending> batch)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        foreach (var pending in batch)
        {
            db.ChangeTracker.Clear();
            db.Users.Add(pending.Request.User);
            db.Set<OutboxMessage>().Add(pending.Request.Message);
            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
                pending.Completion.TrySetResult(true);
            }
            catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
            {
                pending.Completion.TrySetResult(false);
            }
            catch (Exception ex)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    [LoggerMessage(EventId = 2040, EventName = "ScimUserCreateBatchConflict", Level = LogLevel.Debug,
        Message = "A batch of {Count} user creates met a taken userName; answering the taken ones and writing the others again")]
    private static partial void LogBatchConflict(ILogger logger, int count);

    internal sealed record Create(ScimUser User, OutboxMessage Message);
}
