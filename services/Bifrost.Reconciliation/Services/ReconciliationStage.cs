using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Bifrost.Reconciliation.Services;

/// <summary>
/// An ingestion user as a run compares it: its id, the key of its userName (<see cref="ScimUserShape.UserKey"/>: no name is
/// stored), its active flag and one hash per compared attribute.
/// </summary>
internal sealed record StagedUser(Guid Id, Guid Key, bool Active, int[] Hashes);

/// <summary>A group in scope for the membership comparison: its Graph id, ingestion id (null: not created, dry run), and whether the run created it.</summary>
internal sealed record ScopeGroup(Guid GraphId, Guid? ScimId, bool Created);

/// <summary>
/// One provider's working set during a run, in reconciliation's own PostgreSQL (unlogged <c>stage_*</c> tables keyed by
/// the stage id), so that what the run holds in memory is a page or a group, whatever the size of the directory:
/// ingestion's users and groups as compact rows, the Graph→SCIM user id map, the assigned scope and the assigned groups'
/// members. Every statement is set-based over one page (arrays bound as parameters, never built into SQL). Thread-safe:
/// each call takes its own pooled connection, so the per-group workers can share it. Disposing it deletes its rows;
/// <see cref="SweepAsync"/> deletes the rows of runs that died with their process.
/// </summary>
internal sealed class ReconciliationStage : IAsyncDisposable
{
    private const int PageSize = 1000;

    /// <summary>The tables holding a stage's rows (column <c>stage</c>), besides <c>stages</c> itself.</summary>
    private static readonly string[] Tables =
        ["stage_users", "stage_user_map", "stage_groups", "stage_scope_groups", "stage_assigned", "stage_group_members"];

    /// <summary>Deletes one stage ($1) and its rows.</summary>
    private static readonly string DeleteSql = DeleteStagesSql("SELECT $1::uuid AS id");

    /// <summary>Deletes the stages of runs that are not running, and their rows.</summary>
    private static readonly string SweepSql = DeleteStagesSql("""
        SELECT s.id FROM reconciliation.stages s
        WHERE NOT EXISTS (SELECT 1 FROM reconciliation.runs r WHERE r.id = s.run_id AND r.status = 'Running')
        """);

    private static readonly string AnalyzeSql = "ANALYZE " + string.Join(", ", Tables.Select(t => "reconciliation." + t));
    private readonly NpgsqlDataSource _dataSource;

    private ReconciliationStage(NpgsqlDataSource dataSource, Guid id)
    {
        _dataSource = dataSource;
        Id = id;
    }

    public Guid Id { get; }

    public static async Task<ReconciliationStage> OpenAsync(ReconciliationDbContext db, Guid runId, Guid providerId, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(db.Database.GetConnectionString()
            ?? throw new InvalidOperationException("the reconciliation database has no connection string"));
        var stage = new ReconciliationStage(dataSource, Guid.CreateVersion7());
        await stage.ExecuteAsync("INSERT INTO reconciliation.stages (id, run_id, provider_id) VALUES ($1, $2, $3)", cancellationToken,
            stage.Id, runId, providerId);
        return stage;
    }

    /// <summary>Deletes the stages of runs that are no longer running (their process stopped before it could).</summary>
    public static Task<int> SweepAsync(ReconciliationDbContext db, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(SweepSql, cancellationToken);

    /// <summary>
    /// Refreshes the planner's statistics of the stage tables after a bulk load. Autovacuum analyzes them only when it
    /// comes round to it: until then a freshly filled table looks empty, and a join planned on that (one per group in
    /// the membership comparison, prepared once per connection) scans the whole table every time.
    /// </summary>
    public Task AnalyzeAsync(CancellationToken cancellationToken) => ExecuteAsync(AnalyzeSql, cancellationToken);

    // --- Ingestion's users ---------------------------------------------------------------------------------------

    public Task AddUsersAsync(IReadOnlyList<StagedUser> users, CancellationToken cancellationToken) => users.Count == 0
        ? Task.CompletedTask
        : ExecuteAsync("""
            INSERT INTO reconciliation.stage_users (stage, id, user_key, active, hashes)
            SELECT $1, u.id, u.user_key, u.active, u.hashes FROM unnest($2::uuid[], $3::uuid[], $4::boolean[], $5::bytea[]) AS u(id, user_key, active, hashes)
            ON CONFLICT DO NOTHING
            """, cancellationToken,
            Id, users.Select(u => u.Id).ToArray(), users.Select(u => u.Key).ToArray(), users.Select(u => u.Active).ToArray(),
            users.Select(u => MemoryMarshal.AsBytes(u.Hashes.AsSpan()).ToArray()).ToArray());

    /// <summary>Ingestion's users with these userName keys, marked seen by the run.</summary>
    public async Task<Dictionary<Guid, StagedUser>> TakeUsersAsync(Guid[] keys, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, StagedUser>();
        await foreach (var reader in QueryAsync("""
            UPDATE reconciliation.stage_users SET seen = true
            WHERE stage = $1 AND user_key = ANY($2)
            RETURNING id, user_key, active, hashes
            """, cancellationToken, Id, keys))
        {
            var hashes = MemoryMarshal.Cast<byte, int>(reader.GetFieldValue<byte[]>(3)).ToArray();
            var user = new StagedUser(reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2), hashes);
            found[user.Key] = user;
        }

        return found;
    }

    /// <summary>Ingestion's active users that no Graph user matched.</summary>
    public IAsyncEnumerable<Guid> UnseenActiveUsersAsync(CancellationToken cancellationToken) =>
        KeysetAsync("SELECT id FROM reconciliation.stage_users WHERE stage = $1 AND NOT seen AND active AND id > $2 ORDER BY id LIMIT $3", cancellationToken);

    // --- Graph → SCIM user ids ----------------------------------------------------------------------------------

    public Task MapUsersAsync(IReadOnlyCollection<KeyValuePair<Guid, Guid>> graphToScim, CancellationToken cancellationToken) => graphToScim.Count == 0
        ? Task.CompletedTask
        : ExecuteAsync("""
            INSERT INTO reconciliation.stage_user_map (stage, graph_id, scim_id)
            SELECT $1, m.graph_id, m.scim_id FROM unnest($2::uuid[], $3::uuid[]) AS m(graph_id, scim_id)
            ON CONFLICT (stage, graph_id) DO UPDATE SET scim_id = excluded.scim_id
            """, cancellationToken,
            Id, graphToScim.Select(p => p.Key).ToArray(), graphToScim.Select(p => p.Value).ToArray());

    /// <summary>The SCIM ids of these Graph users (those ingestion has and the run matched or created).</summary>
    public async Task AddMappedAsync(Guid[] graphIds, HashSet<Guid> scimIds, CancellationToken cancellationToken)
    {
        await foreach (var reader in QueryAsync("SELECT scim_id FROM reconciliation.stage_user_map WHERE stage = $1 AND graph_id = ANY($2)",
            cancellationToken, Id, graphIds))
        {
            scimIds.Add(reader.GetGuid(0));
        }
    }

    // --- The assigned scope -------------------------------------------------------------------------------------

    public Task AssignAsync(IReadOnlyList<(Guid Id, bool IsGroup)> principals, CancellationToken cancellationToken) => principals.Count == 0
        ? Task.CompletedTask
        : ExecuteAsync("""
            INSERT INTO reconciliation.stage_assigned (stage, graph_id, is_group)
            SELECT $1, a.graph_id, a.is_group FROM unnest($2::uuid[], $3::boolean[]) AS a(graph_id, is_group)
            ON CONFLICT DO NOTHING
            """, cancellationToken,
            Id, principals.Select(p => p.Id).ToArray(), principals.Select(p => p.IsGroup).ToArray());

    public IAsyncEnumerable<Guid> AssignedGroupsAsync(CancellationToken cancellationToken) =>
        KeysetAsync("SELECT graph_id FROM reconciliation.stage_assigned WHERE stage = $1 AND is_group AND graph_id > $2 ORDER BY graph_id LIMIT $3", cancellationToken);

    /// <summary>
    /// Assigned groups' members as read from Graph (users assigned through the groups): one row per group, several groups
    /// in one statement. The members travel as one flat array with each group's count, and each row takes its slice.
    /// </summary>
    public Task AddAssignedMembersAsync(IReadOnlyList<(Guid Group, Guid[] Members)> groups, CancellationToken cancellationToken)
    {
        if (groups.Count == 0)
        {
            return Task.CompletedTask;
        }

        var starts = new int[groups.Count];
        var total = 0;
        for (var i = 0; i < groups.Count; i++)
        {
            starts[i] = total;
            total += groups[i].Members.Length;
        }

        var members = new Guid[total];
        for (var i = 0; i < groups.Count; i++)
        {
            groups[i].Members.CopyTo(members, starts[i]);
        }

        return ExecuteAsync("""
            INSERT INTO reconciliation.stage_group_members (stage, group_id, members)
            SELECT $1, g.group_id, COALESCE(($4::uuid[])[g.start + 1 : g.start + g.count], '{}')
            FROM unnest($2::uuid[], $3::int[], $5::int[]) AS g(group_id, count, start)
            ON CONFLICT (stage, group_id) DO UPDATE SET members = excluded.members
            """, cancellationToken, Id, groups.Select(g => g.Group).ToArray(), groups.Select(g => g.Members.Length).ToArray(), members, starts);
    }

    /// <summary>Once every assigned group's members are staged: the users assigned through a group join the assigned users.</summary>
    public Task ExpandAssignedUsersAsync(CancellationToken cancellationToken) => ExecuteAsync("""
        INSERT INTO reconciliation.stage_assigned (stage, graph_id, is_group)
        SELECT DISTINCT $1, m, false FROM reconciliation.stage_group_members, unnest(members) AS m WHERE stage = $1
        ON CONFLICT DO NOTHING
        """, cancellationToken, Id);

    /// <summary>Of these Graph users, those assigned directly or through an assigned group.</summary>
    public Task<HashSet<Guid>> AssignedUsersAsync(Guid[] graphIds, CancellationToken cancellationToken) => SetAsync(
        "SELECT graph_id FROM reconciliation.stage_assigned WHERE stage = $1 AND NOT is_group AND graph_id = ANY($2)", cancellationToken, Id, graphIds);

    /// <summary>Of these Graph groups, those assigned to the enterprise app.</summary>
    public Task<HashSet<Guid>> AssignedGroupsAsync(Guid[] graphIds, CancellationToken cancellationToken) => SetAsync(
        "SELECT graph_id FROM reconciliation.stage_assigned WHERE stage = $1 AND is_group AND graph_id = ANY($2)", cancellationToken, Id, graphIds);

    /// <summary>The SCIM ids of an assigned group's members as read from Graph during the scope expansion.</summary>
    public Task<HashSet<Guid>> AssignedMembersAsync(Guid group, CancellationToken cancellationToken) => SetAsync("""
        SELECT m.scim_id FROM reconciliation.stage_group_members g
        CROSS JOIN LATERAL unnest(g.members) AS a(member_id)
        JOIN reconciliation.stage_user_map m ON m.stage = g.stage AND m.graph_id = a.member_id
        WHERE g.stage = $1 AND g.group_id = $2
        """, cancellationToken, Id, group);

    // --- Ingestion's groups, and the groups in scope ------------------------------------------------------------

    public Task AddGroupsAsync(IReadOnlyList<IngestionGroup> groups, CancellationToken cancellationToken) => groups.Count == 0
        ? Task.CompletedTask
        : ExecuteAsync("""
            INSERT INTO reconciliation.stage_groups (stage, id, display_name, external_id, name_key, external_key)
            SELECT $1, g.id, g.display_name, g.external_id, g.name_key, g.external_key
            FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS g(id, display_name, external_id, name_key, external_key)
            ON CONFLICT DO NOTHING
            """, cancellationToken,
            Id, groups.Select(g => g.Id).ToArray(), groups.Select(g => g.DisplayName).ToArray(), groups.Select(g => g.ExternalId).ToArray(),
            groups.Select(g => ScimUserShape.Fold(g.DisplayName)).ToArray(), groups.Select(g => ExternalKey(g.ExternalId)).ToArray());

    /// <summary>Ingestion's groups whose externalId (case-insensitively) or folded displayName is one of these.</summary>
    public async Task<List<IngestionGroup>> FindGroupsAsync(string[] externalIds, string[] nameKeys, CancellationToken cancellationToken)
    {
        var found = new List<IngestionGroup>();
        await foreach (var reader in QueryAsync("""
            SELECT id, display_name, external_id FROM reconciliation.stage_groups WHERE stage = $1 AND external_key = ANY($2)
            UNION
            SELECT id, display_name, external_id FROM reconciliation.stage_groups WHERE stage = $1 AND name_key = ANY($3)
            ORDER BY id
            """, cancellationToken, Id, externalIds.Select(ExternalKey).ToArray(), nameKeys))
        {
            found.Add(new IngestionGroup(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return found;
    }

    public Task MarkGroupsSeenAsync(Guid[] ids, CancellationToken cancellationToken) => ids.Length == 0
        ? Task.CompletedTask
        : ExecuteAsync("UPDATE reconciliation.stage_groups SET seen = true WHERE stage = $1 AND id = ANY($2)", cancellationToken, Id, ids);

    /// <summary>Ingestion's groups that no Graph group in scope matched.</summary>
    public IAsyncEnumerable<Guid> UnseenGroupsAsync(CancellationToken cancellationToken) =>
        KeysetAsync("SELECT id FROM reconciliation.stage_groups WHERE stage = $1 AND NOT seen AND id > $2 ORDER BY id LIMIT $3", cancellationToken);

    public Task AddScopeGroupsAsync(IReadOnlyList<ScopeGroup> groups, CancellationToken cancellationToken) => groups.Count == 0
        ? Task.CompletedTask
        : ExecuteAsync("""
            INSERT INTO reconciliation.stage_scope_groups (stage, graph_id, scim_id, created)
            SELECT $1, g.graph_id, g.scim_id, g.created FROM unnest($2::uuid[], $3::uuid[], $4::boolean[]) AS g(graph_id, scim_id, created)
            ON CONFLICT (stage, graph_id) DO UPDATE SET scim_id = excluded.scim_id, created = excluded.created
            """, cancellationToken,
            Id, groups.Select(g => g.GraphId).ToArray(), groups.Select(g => g.ScimId).ToArray(), groups.Select(g => g.Created).ToArray());

    /// <summary>The groups in scope, page by page.</summary>
    public async IAsyncEnumerable<ScopeGroup> ScopeGroupsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = Guid.Empty;
        while (true)
        {
            var page = new List<ScopeGroup>(PageSize);
            await foreach (var reader in QueryAsync("""
                SELECT graph_id, scim_id, created FROM reconciliation.stage_scope_groups
                WHERE stage = $1 AND graph_id > $2 ORDER BY graph_id LIMIT $3
                """, cancellationToken, Id, after, PageSize))
            {
                page.Add(new ScopeGroup(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetBoolean(2)));
            }

            foreach (var group in page)
            {
                yield return group;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].GraphId;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ExecuteAsync(DeleteSql, CancellationToken.None, Id);
        }
        catch (NpgsqlException)
        {
            // Left for the sweep at the next start.
        }

        await _dataSource.DisposeAsync();
    }

    /// <summary>One statement: the stages <paramref name="stages"/> selects, and every row of theirs in <see cref="Tables"/>.</summary>
    private static string DeleteStagesSql(string stages) =>
        $"WITH dead AS ({stages})"
        + string.Concat(Tables.Select((table, i) => $", d{i} AS (DELETE FROM reconciliation.{table} WHERE stage IN (SELECT id FROM dead))"))
        + " DELETE FROM reconciliation.stages WHERE id IN (SELECT id FROM dead)";

    private static string? ExternalKey(string? externalId) => externalId?.ToUpperInvariant();

    private async IAsyncEnumerable<Guid> KeysetAsync(string sql, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = Guid.Empty;
        while (true)
        {
            var page = new List<Guid>(PageSize);
            await foreach (var reader in QueryAsync(sql, cancellationToken, Id, after, PageSize))
            {
                page.Add(reader.GetGuid(0));
            }

            foreach (var id in page)
            {
                yield return id;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1];
        }
    }

    private async Task<HashSet<Guid>> SetAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var set = new HashSet<Guid>();
        await foreach (var reader in QueryAsync(sql, cancellationToken, parameters))
        {
            set.Add(reader.GetGuid(0));
        }

        return set;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async IAsyncEnumerable<NpgsqlDataReader> QueryAsync(string sql, [EnumeratorCancellation] CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return reader;
        }
    }

    private NpgsqlCommand Command(string sql, object?[] parameters)
    {
        var command = _dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter switch
            {
                // Nullable elements (a group's externalId, a dry run's uncreated group) need the array type spelled out.
                string?[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                Guid?[] ids => new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                byte[][] blobs => new NpgsqlParameter { Value = blobs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
                _ => new NpgsqlParameter { Value = parameter ?? DBNull.Value },
            });
        }

        return command;
    }
}
