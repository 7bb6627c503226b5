using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Group commit for <c>PUT</c> and <c>PATCH /Users/{id}</c> (see <see cref="ScimBatcher{TRequest, TResult}"/>). One
/// transaction locks every user of the batch (one statement, in id order, as every writer locks), applies each write
/// in arrival order (two writes to one user apply one after the other, each with its own version and event), and saves
/// them together. A write that fails on its own (404, 412, a bad PATCH path) fails alone; a userName that another user
/// has fails the whole transaction, so the batch is then written again without the writes that change a userName, and
/// those one at a time.
/// </summary>
internal sealed partial class ScimUserUpdateBatcher(
    IServiceScopeFactory scopeFactory,
    TimeProvider time,
    IOptions<ScimOptions> options,
    ILogger<ScimUserUpdateBatcher> logger) : ScimBatcher<ScimUserUpdateBatcher.Update, ScimUserUpdateBatcher.Updated>(options.Value.WriteBatchSize, options.Value.WriteBatchWriters)
{
    protected override string ActivityName => "scim user update batch";

    /// <summary>
    /// Locks the user, checks <c>If-Match</c>, and stores what <paramref name="change"/> makes of it (null: nothing
    /// changes, nothing is bumped or published). <paramref name="change"/> may run more than once (a transient failure
    /// runs the transaction again), each time on a freshly read user. With <paramref name="withGroups"/>, the user's
    /// groups are read in the same transaction (one query for the batch), for the answer.
    /// </summary>
    public Task<Updated> UpdateAsync(Guid provider, Guid userId, ScimCall call, bool withGroups, Func<ScimUser, JsonObject?> change, CancellationToken cancellationToken) =>
        EnqueueAsync(new Update(provider, userId, call, change, withGroups), cancellationToken);

    protected override async Task RunBatchAsync(IReadOnlyList<Pending> batch)
    {
        var renames = new HashSet<Pending>();
        if (batch.Count > 1)
        {
            try
            {
                await WriteTogetherAsync(batch, renames);
                return;
            }
            catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
            {
                // A write gave a user a userName another user has: write the batch again without the writes that
                // change a userName, then those one at a time.
                LogBatchConflict(logger, batch.Count, renames.Count);
            }
        }

        var others = batch.Where(p => !renames.Contains(p)).ToList();
        if (others.Count > 1 && renames.Count > 0)
        {
            try
            {
                await WriteTogetherAsync(others, new HashSet<Pending>());
                others.Clear();
            }
            catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
            {
                // A userName changed meanwhile by another writer: one at a time tells which.
            }
        }

        foreach (var pending in others.Concat(renames))
        {
            try
            {
                await WriteTogetherAsync([pending], new HashSet<Pending>());
            }
            catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
            {
                pending.Completion.TrySetException(ScimUserMapping.UserNameTaken());
            }
            catch (Exception ex)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>Writes <paramref name="batch"/> in one transaction; <paramref name="renames"/> collects the writes that change a userName.</summary>
    private async Task WriteTogetherAsync(IReadOnlyList<Pending> batch, HashSet<Pending> renames)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        var outcomes = await db.InTransactionAsync(async token =>
        {
            var ids = batch.Select(p => p.Request.UserId).Distinct().ToArray();
            var users = await db.Users
                .FromSql($"SELECT * FROM ingestion.scim_users WHERE id = ANY({ids}) ORDER BY id FOR UPDATE")
                .ToDictionaryAsync(u => u.Id, token);
            var now = time.Now();
            var outcomes = new (Updated? Result, Exception? Error)[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i].Request;
                try
                {
                    if (!users.TryGetValue(write.UserId, out var user) || user.ProviderId != write.Provider)
                    {
                        throw ScimWrites.NotFound(ScimUserMapping.ResourceType, write.UserId.ToString());
                    }

                    write.Call.CheckIfMatch(user.Version);
                    var userNameKey = user.UserNameKey;
                    var changed = write.Change(user) is { } resource && Apply(db, user, resource, now);
                    if (user.UserNameKey != userNameKey)
                    {
                        renames.Add(batch[i]);
                    }
                    outcomes[i] = (new Updated(user.ToRow(), changed, null), null);
                }
                catch (Exception ex)
                {
                    // This write's own failure (not found, If-Match, a PATCH the resource does not allow): it changed
                    // nothing, and the others go on.
                    outcomes[i] = (null, ex);
                }
            }

            await db.SaveChangesAsync(token);
            await AddGroupsAsync(db, batch, outcomes, token);
            return outcomes;
        }, CancellationToken.None);

        for (var i = 0; i < batch.Count; i++)
        {
            var (result, error) = outcomes[i];
            if (result is null)
            {
                batch[i].Completion.TrySetException(error!);
                continue;
            }

            if (result.Changed)
            {
                IngestionLog.UserUpdated(logger, result.Row.Id, batch[i].Request.Provider, result.Row.Version);
            }

            batch[i].Completion.TrySetResult(result);
        }
    }

    /// <summary>Stores a new resource for a locked user unless it equals the current one, and queues the matching event.</summary>
    private bool Apply(IngestionDbContext db, ScimUser user, JsonObject resource, DateTimeOffset now)
    {
        if (JsonNode.DeepEquals(user.Resource, resource))
        {
            return false;
        }

        var wasActive = user.Active;
        user.ApplyResource(resource);
        user.Version++;
        user.LastModifiedAt = now;
        var snapshot = user.ToSnapshot();
        if (wasActive && !user.Active)
        {
            db.AddOutboxMessage(new ScimUserDeactivated { ProviderId = user.ProviderId, UserId = user.Id, Version = user.Version, OccurredAt = now, User = snapshot }, time);
        }
        else if (!wasActive && user.Active)
        {
            db.AddOutboxMessage(new ScimUserReactivated { ProviderId = user.ProviderId, UserId = user.Id, Version = user.Version, OccurredAt = now, User = snapshot }, time);
        }
        else
        {
            db.AddOutboxMessage(new ScimUserUpdated { ProviderId = user.ProviderId, UserId = user.Id, Version = user.Version, OccurredAt = now, User = snapshot }, time);
        }

        return true;
    }

    /// <summary>The groups of the written users whose answer shows them: one query per provider in the batch (usually one).</summary>
    private static async Task AddGroupsAsync(IngestionDbContext db, IReadOnlyList<Pending> batch, (Updated? Result, Exception? Error)[] outcomes, CancellationToken cancellationToken)
    {
        var wanted = Enumerable.Range(0, batch.Count).Where(i => outcomes[i].Result is not null && batch[i].Request.WithGroups);
        foreach (var ofProvider in wanted.GroupBy(i => batch[i].Request.Provider))
        {
            var groups = await ScimUserQueries.GroupsOfAsync(db, ofProvider.Key, [.. ofProvider.Select(i => batch[i].Request.UserId).Distinct()], cancellationToken);
            foreach (var i in ofProvider)
            {
                outcomes[i].Result = outcomes[i].Result! with { Groups = [.. groups[batch[i].Request.UserId]] };
            }
        }
    }

    [LoggerMessage(EventId = 2041, EventName = "ScimUserUpdateBatchConflict", Level = LogLevel.Debug,
        Message = "A batch of {Count} user updates met a taken userName; writing the {Renames} that change a userName one by one")]
    private static partial void LogBatchConflict(ILogger logger, int count, int renames);

    internal sealed record Update(Guid Provider, Guid UserId, ScimCall Call, Func<ScimUser, JsonObject?> Change, bool WithGroups);

    /// <summary>
    /// The user as the write left it (<paramref name="Changed"/>: whether it made a new version), with its groups as the
    /// same transaction saw them when they were asked for.
    /// </summary>
    internal sealed record Updated(ScimRow Row, bool Changed, List<ScimGroupRef>? Groups);
}
