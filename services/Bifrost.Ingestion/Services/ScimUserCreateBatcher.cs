using System.Text.Json;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Group commit for <c>POST /Users</c> (see <see cref="ScimBatcher{TRequest, TResult}"/>): every user row of the
/// batch and its outbox row in one statement. A userName already taken (case-insensitively, per provider)
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
        try
        {
            await InsertAsync(db, batch);
        }
        catch (Exception ex) when (ScimWrites.IsUniqueViolation(ex))
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
            try
            {
                await InsertAsync(db, [pending]);
                pending.Completion.TrySetResult(true);
            }
            catch (Exception ex) when (ScimWrites.IsUniqueViolation(ex))
            {
                pending.Completion.TrySetResult(false);
            }
            catch (Exception ex)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>
    /// The users and their outbox rows, in one statement (atomic on its own, so one round trip and no transaction to
    /// open or commit), then the rows to the relay. Column arrays rather than a row per statement: a batch of creates
    /// costs PostgreSQL one prepared statement, and this process no change tracking. A userName already taken fails the
    /// whole statement with a unique violation, and nothing is written.
    /// </summary>
    private static async Task InsertAsync(IngestionDbContext db, IReadOnlyList<Pending> creates)
    {
        var users = creates.Select(c => c.Request.User).ToList();
        var messages = creates.Select(c => c.Request.Message).ToList();
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await db.Database.OpenConnectionAsync(CancellationToken.None);
            try
            {
                await using var command = ((NpgsqlConnection)db.Database.GetDbConnection()).CreateCommand();
                command.CommandText = s_insert;
                Add(command, NpgsqlDbType.Uuid, users.Select(u => u.Id));
                Add(command, NpgsqlDbType.Uuid, users.Select(u => u.ProviderId));
                Add(command, NpgsqlDbType.Text, users.Select(u => u.UserName));
                Add(command, NpgsqlDbType.Text, users.Select(u => u.UserNameKey));
                Add(command, NpgsqlDbType.Text, users.Select(u => u.ExternalId));
                Add(command, NpgsqlDbType.Text, users.Select(u => u.DisplayName));
                Add(command, NpgsqlDbType.Text, users.Select(u => u.DisplayNameKey));
                Add(command, NpgsqlDbType.Text, users.Select(u => u.EmailKey));
                Add(command, NpgsqlDbType.Jsonb, users.Select(u => JsonSerializer.Serialize(u.EmailKeys)));
                Add(command, NpgsqlDbType.Boolean, users.Select(u => u.Active));
                Add(command, NpgsqlDbType.Jsonb, users.Select(u => u.Resource.ToJsonString()));
                Add(command, NpgsqlDbType.Bigint, users.Select(u => u.Version));
                Add(command, NpgsqlDbType.TimestampTz, users.Select(u => u.CreatedAt));
                Add(command, NpgsqlDbType.TimestampTz, users.Select(u => u.LastModifiedAt));
                Add(command, NpgsqlDbType.Uuid, messages.Select(m => m.Id));
                Add(command, NpgsqlDbType.Text, messages.Select(m => m.MessageType));
                Add(command, NpgsqlDbType.Jsonb, messages.Select(m => m.Payload));
                Add(command, NpgsqlDbType.TimestampTz, messages.Select(m => m.OccurredAt));
                Add(command, NpgsqlDbType.Text, messages.Select(m => m.TraceParent));
                Add(command, NpgsqlDbType.Text, messages.Select(m => m.TraceState));
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });
        db.OutboxCommitted(messages);
    }

    private static void Add<T>(NpgsqlCommand command, NpgsqlDbType type, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | type, Value = values.ToArray() });

    private static readonly string s_insert = $"""
        WITH users AS (
            INSERT INTO {IngestionDbContext.Schema}.scim_users (id, provider_id, user_name, user_name_key, external_id, display_name,
                display_name_key, email_key, email_keys, active, resource, version, created_at, last_modified_at)
            SELECT id, provider_id, user_name, user_name_key, external_id, display_name, display_name_key, email_key,
                ARRAY(SELECT jsonb_array_elements_text(email_keys)), active, resource, version, created_at, last_modified_at
            FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                AS u(id, provider_id, user_name, user_name_key, external_id, display_name, display_name_key, email_key, email_keys,
                     active, resource, version, created_at, last_modified_at)
        )
        INSERT INTO {IngestionDbContext.Schema}.outbox_messages (id, message_type, payload, occurred_at, trace_parent, trace_state, attempts)
        SELECT id, message_type, payload, occurred_at, trace_parent, trace_state, 0
        FROM unnest($15, $16, $17, $18, $19, $20) AS o(id, message_type, payload, occurred_at, trace_parent, trace_state)
        """;

    [LoggerMessage(EventId = 2040, EventName = "ScimUserCreateBatchConflict", Level = LogLevel.Debug,
        Message = "A batch of {Count} user creates met a taken userName; answering the taken ones and writing the others again")]
    private static partial void LogBatchConflict(ILogger logger, int count);

    internal sealed record Create(ScimUser User, OutboxMessage Message);
}
