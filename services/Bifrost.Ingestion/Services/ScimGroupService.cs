using System.Net;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// SCIM Groups for one provider. Members live in <c>scim_group_members</c> and are changed with set-based SQL; a
/// membership change bumps the group's version once per event batch, so versions strictly increase per group across
/// <see cref="ScimGroupRenamed"/>, <see cref="ScimGroupMembersRemoved"/> and <see cref="ScimGroupMembersAdded"/>.
/// Member ids that are not users or groups of the provider (malformed, unknown, another provider's) are ignored: they
/// never become members. Entra only sends ids it got from this server; Microsoft's validator sends junk and expects 204.
/// </summary>
internal sealed class ScimGroupService(IngestionDbContext db, ScimGroupQueries queries, ScimGroupWriteGate gate, TimeProvider time, IOptions<ScimOptions> options,
    ILogger<ScimGroupService> logger)
{
    private static readonly ScimSchema Schema = ScimSchemas.Group;

    public async Task<ScimResult> GetAsync(Guid provider, string id, ScimCall call, CancellationToken cancellationToken)
    {
        var row = ScimWrites.ParseId(id) is { } groupId ? await queries.FindAsync(provider, groupId, cancellationToken) : null;
        if (row is null)
        {
            throw ScimWrites.NotFound(ScimGroupMapping.ResourceType, id);
        }

        if (call.NotModified(row.Version))
        {
            return new ScimResult(StatusCodes.Status304NotModified, ETag: ScimETag.Format(row.Version));
        }

        return new ScimResult(StatusCodes.Status200OK, await RenderAsync(provider, row, clone: false, call, cancellationToken), ETag: ScimETag.Format(row.Version));
    }

    public async Task<JsonObject> ListAsync(Guid provider, ScimListRequest request, string baseUrl, CancellationToken cancellationToken)
    {
        var page = await queries.ListAsync(provider, request, cancellationToken);
        var resources = page.Rows.Select(r => (r.Id, Resource: queries.ToScim(r, clone: false, baseUrl))).ToList();
        if (request.Selection.IsReturned("members", Schema))
        {
            await queries.AddRelationsAsync(provider, resources, baseUrl, cancellationToken);
        }

        return ScimListResponse.Create(resources.Select(r => Select(r.Resource, request.Selection)), page.TotalResults, request.StartIndex);
    }

    /// <summary>
    /// POST /Groups. A displayName already taken (case-insensitively) is 409 <c>uniqueness</c>, a repeated create included.
    /// </summary>
    public async Task<ScimResult> CreateAsync(Guid provider, JsonObject body, ScimCall call, CancellationToken cancellationToken)
    {
        var resource = ScimResource.Normalize(body, Schema);
        var memberIds = ParseMemberIds(ScimResource.DetachMembers(resource));

        ScimGroup group;
        try
        {
            group = await WriteAsync(async token =>
            {
                var held = await db.ShareAsync(memberIds, NoStripes, token);
                var now = time.Now();
                var group = new ScimGroup { Id = Guid.CreateVersion7(), ProviderId = provider, Version = 1, CreatedAt = now, LastModifiedAt = now };
                group.ApplyResource((JsonObject)resource.DeepClone());
                db.Groups.Add(group);
                db.AddOutboxMessage(new ScimGroupCreated
                {
                    ProviderId = provider,
                    GroupId = group.Id,
                    Version = group.Version,
                    OccurredAt = now,
                    DisplayName = group.DisplayName,
                    ExternalId = group.ExternalId,
                }, time);
                await db.SaveChangesAsync(token);
                if (memberIds.Count > 0)
                {
                    var (_, added) = await ApplyMembersAsync(group, removeAll: false, memberIds, [], held, token);
                    PublishMembers(group, [], added, now);
                    await db.SaveChangesAsync(token);
                }

                return group;
            }, cancellationToken);
        }
        catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
        {
            throw new ScimException(HttpStatusCode.Conflict, "A group with this displayName already exists.", ScimErrorType.Uniqueness);
        }

        IngestionLog.GroupCreated(logger, group.Id, provider, memberIds.Count);
        return new ScimResult(StatusCodes.Status201Created, await RenderAsync(provider, group.ToRow(), clone: true, call, cancellationToken),
            call.Location(ScimGroupMapping.Endpoint, group.Id), ScimETag.Format(group.Version));
    }

    /// <summary>PUT /Groups/{id}: replaces the attributes and the member list (members left out = no members).</summary>
    public async Task<ScimResult> ReplaceAsync(Guid provider, string id, JsonObject body, ScimCall call, CancellationToken cancellationToken)
    {
        var resource = ScimResource.Normalize(body, Schema);
        var memberIds = ParseMemberIds(ScimResource.DetachMembers(resource));
        var group = await WriteAsync(async token =>
        {
            var held = await db.ShareAsync(memberIds, NoStripes, token);
            var group = await LockAsync(provider, id, call, token);
            await ChangeAsync(group, JsonNode.DeepEquals(group.Resource, resource) ? null : (JsonObject)resource.DeepClone(),
                removeAll: true, memberIds, [], held, token);
            return group;
        }, cancellationToken);
        return new ScimResult(StatusCodes.Status200OK, await RenderAsync(provider, group.ToRow(), clone: true, call, cancellationToken), ETag: ScimETag.Format(group.Version));
    }

    /// <summary>
    /// PATCH /Groups/{id}: Entra's shapes included (member add/remove by value, <c>members[value eq "x"]</c>).
    /// Answers 204, or 200 with the resource when <c>attributes</c>/<c>excludedAttributes</c> ask for one.
    /// </summary>
    public async Task<ScimResult> PatchAsync(Guid provider, string id, JsonObject body, ScimCall call, CancellationToken cancellationToken)
    {
        var operations = ScimPatch.Parse(body);
        var predicted = PredictAddedMembers(operations);
        var group = await WriteAsync(async token =>
        {
            var held = await db.ShareAsync(predicted, NoStripes, token);
            var group = await LockAsync(provider, id, call, token);
            if (operations.Count == 0)
            {
                return group;
            }

            var result = ScimPatch.Apply(group.Resource, operations, Schema);
            if (result.HasChanges)
            {
                var members = result.Members;
                var added = members.Added.Count == 0 ? [] : ParseMemberIds(members.Added);
                var removed = members.Removed.Select(ScimWrites.ParseId).OfType<Guid>().ToList();
                await ChangeAsync(group, result.ResourceChanged ? result.Resource : null, members.RemoveAll, added, removed, held, token);
            }

            return group;
        }, cancellationToken);

        return call.HasSelection
            ? new ScimResult(StatusCodes.Status200OK, await RenderAsync(provider, group.ToRow(), clone: true, call, cancellationToken), ETag: ScimETag.Format(group.Version))
            : ScimResult.NoContent(ScimETag.Format(group.Version));
    }

    /// <summary>
    /// DELETE /Groups/{id}: removes the group with its member rows, and removes it from the groups it was nested in
    /// (each gets a new version and a <see cref="ScimGroupMembersRemoved"/>).
    /// </summary>
    public async Task<ScimResult> DeleteAsync(Guid provider, string id, ScimCall call, CancellationToken cancellationToken)
    {
        var parentCount = await WriteAsync(async token =>
        {
            var group = await LockAsync(provider, id, call, token);
            var now = time.Now();
            var parents = await db.Groups.FromSql($"""
                SELECT * FROM ingestion.scim_groups
                WHERE provider_id = {provider}
                  AND id IN (SELECT group_id FROM ingestion.scim_group_members WHERE provider_id = {provider} AND member_id = {group.Id})
                ORDER BY id FOR UPDATE
                """).ToListAsync(token);
            await db.GroupMembers.Where(m => m.ProviderId == provider && m.MemberId == group.Id).ExecuteDeleteAsync(token);
            foreach (var parent in parents)
            {
                parent.Version++;
                parent.LastModifiedAt = now;
                db.AddOutboxMessage(new ScimGroupMembersRemoved
                {
                    ProviderId = provider,
                    GroupId = parent.Id,
                    Version = parent.Version,
                    OccurredAt = now,
                    MemberIds = [group.Id],
                }, time);
            }

            db.Groups.Remove(group); // its own member rows go with it (ON DELETE CASCADE)
            db.AddOutboxMessage(new ScimGroupDeleted { ProviderId = provider, GroupId = group.Id, Version = group.Version + 1, OccurredAt = now }, time);
            await db.SaveChangesAsync(token);
            return parents.Count;
        }, cancellationToken);

        IngestionLog.GroupDeleted(logger, Guid.Parse(id), provider, parentCount);
        return ScimResult.NoContent();
    }

    /// <summary>
    /// Applies a change to a locked group: the new resource (null = unchanged) and the member changes. Each event
    /// takes the next version: a rename first, then removals, then additions, in batches of
    /// <see cref="ScimOptions.MemberEventBatchSize"/> ids. Nothing is written when nothing changed.
    /// </summary>
    private async Task ChangeAsync(ScimGroup group, JsonObject? resource, bool removeAll, IReadOnlyCollection<Guid> added, IReadOnlyCollection<Guid> removed,
        IReadOnlySet<int> held, CancellationToken cancellationToken)
    {
        var now = time.Now();
        var version = group.Version;
        if (resource is not null)
        {
            var previousName = group.DisplayName;
            var previousExternalId = group.ExternalId;
            group.ApplyResource(resource);
            group.Version++;
            if (previousName != group.DisplayName || previousExternalId != group.ExternalId)
            {
                db.AddOutboxMessage(new ScimGroupRenamed
                {
                    ProviderId = group.ProviderId,
                    GroupId = group.Id,
                    Version = group.Version,
                    OccurredAt = now,
                    DisplayName = group.DisplayName,
                    ExternalId = group.ExternalId,
                }, time);
            }
        }

        var (removedIds, addedIds) = await ApplyMembersAsync(group, removeAll, added, removed, held, cancellationToken);
        PublishMembers(group, removedIds, addedIds, now);
        if (group.Version == version)
        {
            return;
        }

        group.LastModifiedAt = now;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ScimWrites.IsUniqueViolation(ex))
        {
            throw new ScimException(HttpStatusCode.Conflict, "A group with this displayName already exists.", ScimErrorType.Uniqueness);
        }

        IngestionLog.GroupUpdated(logger, group.Id, group.ProviderId, group.Version, addedIds.Count, removedIds.Count);
    }

    /// <summary>One event per batch of ids, each with the group's next version.</summary>
    private void PublishMembers(ScimGroup group, IReadOnlyList<Guid> removed, IReadOnlyList<Guid> added, DateTimeOffset now)
    {
        var batchSize = options.Value.MemberEventBatchSize;
        foreach (var batch in removed.Chunk(batchSize))
        {
            group.Version++;
            db.AddOutboxMessage(new ScimGroupMembersRemoved { ProviderId = group.ProviderId, GroupId = group.Id, Version = group.Version, OccurredAt = now, MemberIds = batch }, time);
        }

        foreach (var batch in added.Chunk(batchSize))
        {
            group.Version++;
            db.AddOutboxMessage(new ScimGroupMembersAdded { ProviderId = group.ProviderId, GroupId = group.Id, Version = group.Version, OccurredAt = now, MemberIds = batch }, time);
        }

        if (removed.Count + added.Count > 0)
        {
            group.LastModifiedAt = now;
        }
    }

    /// <summary>
    /// Set-based member changes: delete (all but <paramref name="added"/> when <paramref name="removeAll"/>, else
    /// <paramref name="removed"/>), then insert <paramref name="added"/> ignoring existing members. Returns the ids
    /// actually removed and added. Only ids of the provider's users and groups are added (others are ignored). A user
    /// deletion cannot leave a dangling member: the users' stripes are held in SHARE mode (<see cref="ScimMemberLocks"/>;
    /// callers take the ones they can foresee, <paramref name="held"/>, before the group's row lock, and the rest are
    /// taken here), and nested groups are share-locked while inserted.
    /// </summary>
    private async Task<(List<Guid> Removed, List<Guid> Added)> ApplyMembersAsync(ScimGroup group, bool removeAll, IReadOnlyCollection<Guid> added,
        IReadOnlyCollection<Guid> removed, IReadOnlySet<int> held, CancellationToken cancellationToken)
    {
        var provider = group.ProviderId;
        var addIds = added.ToArray();
        if (addIds.Length > 0)
        {
            await db.ShareAsync(addIds, held, cancellationToken);
            if (addIds.Contains(group.Id))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"Group {group.Id} cannot be a member of itself.");
            }

            var known = await db.Database.SqlQuery<Guid>($"""
                SELECT x.id AS "Value" FROM unnest({addIds}) AS x(id)
                WHERE EXISTS (SELECT 1 FROM ingestion.scim_users u WHERE u.provider_id = {provider} AND u.id = x.id)
                   OR EXISTS (SELECT 1 FROM ingestion.scim_groups g WHERE g.provider_id = {provider} AND g.id = x.id)
                """).ToListAsync(cancellationToken);
            if (known.Count < addIds.Length)
            {
                IngestionLog.UnknownMembersIgnored(logger, group.Id, addIds.Length - known.Count);
                addIds = [.. known];
            }
        }

        List<Guid> removedIds = [];
        if (removeAll)
        {
            removedIds = await db.Database.SqlQuery<Guid>($"""
                DELETE FROM ingestion.scim_group_members WHERE group_id = {group.Id} AND NOT (member_id = ANY({addIds}))
                RETURNING member_id AS "Value"
                """).ToListAsync(cancellationToken);
        }
        else if (removed.Count > 0)
        {
            var removeIds = removed.ToArray();
            removedIds = await db.Database.SqlQuery<Guid>($"""
                DELETE FROM ingestion.scim_group_members WHERE group_id = {group.Id} AND member_id = ANY({removeIds})
                RETURNING member_id AS "Value"
                """).ToListAsync(cancellationToken);
        }

        List<Guid> addedIds = [];
        if (addIds.Length > 0)
        {
            addedIds = await db.Database.SqlQuery<Guid>($"""
                INSERT INTO ingestion.scim_group_members (provider_id, group_id, member_id, member_type)
                SELECT u.provider_id, {group.Id}, u.id, 'User' FROM ingestion.scim_users u
                WHERE u.provider_id = {provider} AND u.id = ANY({addIds})
                ON CONFLICT DO NOTHING
                RETURNING member_id AS "Value"
                """).ToListAsync(cancellationToken);
            addedIds.AddRange(await db.Database.SqlQuery<Guid>($"""
                INSERT INTO ingestion.scim_group_members (provider_id, group_id, member_id, member_type)
                SELECT g.provider_id, {group.Id}, g.id, 'Group' FROM ingestion.scim_groups g
                WHERE g.provider_id = {provider} AND g.id = ANY({addIds})
                FOR SHARE
                ON CONFLICT DO NOTHING
                RETURNING member_id AS "Value"
                """).ToListAsync(cancellationToken));
        }

        removedIds.Sort();
        addedIds.Sort();
        return (removedIds, addedIds);
    }

    /// <summary>One group write: a slot of the bulkhead (<see cref="ScimGroupWriteGate"/>), then one transaction.</summary>
    private Task<T> WriteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        gate.RunAsync(() => db.InTransactionAsync(work, cancellationToken), cancellationToken);

    private static readonly IReadOnlySet<int> NoStripes = new HashSet<int>();

    /// <summary>
    /// The members a PATCH will add, known before the group is read: member operations never depend on the group's
    /// attributes, so applying them to an empty group gives the same ids. If that fails, the real application under the
    /// group's lock reports the error (or <see cref="ApplyMembersAsync"/> takes the stripes it needs).
    /// </summary>
    internal static List<Guid> PredictAddedMembers(IReadOnlyList<ScimPatchOperation> operations)
    {
        try
        {
            return ParseMemberIds(ScimPatch.Apply(new JsonObject(), operations, Schema).Members.Added);
        }
        catch (ScimException)
        {
            return [];
        }
    }

    /// <summary>Member ids to add, distinct; values that are not ids this server could have issued are left out.</summary>
    private static List<Guid> ParseMemberIds(IEnumerable<string> values)
    {
        var ids = new List<Guid>();
        var seen = new HashSet<Guid>();
        foreach (var value in values)
        {
            if (ScimWrites.ParseId(value) is { } id && seen.Add(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private async Task<ScimGroup> LockAsync(Guid provider, string id, ScimCall call, CancellationToken cancellationToken)
    {
        var groupId = ScimWrites.ParseId(id) ?? throw ScimWrites.NotFound(ScimGroupMapping.ResourceType, id);
        var groups = await db.Groups
            .FromSql($"SELECT * FROM ingestion.scim_groups WHERE id = {groupId} AND provider_id = {provider} FOR UPDATE")
            .ToListAsync(cancellationToken);
        var group = groups.SingleOrDefault() ?? throw ScimWrites.NotFound(ScimGroupMapping.ResourceType, id);
        call.CheckIfMatch(group.Version);
        return group;
    }

    private async Task<JsonObject> RenderAsync(Guid provider, ScimRow row, bool clone, ScimCall call, CancellationToken cancellationToken)
    {
        var json = queries.ToScim(row, clone, call.BaseUrl);
        if (call.Selection.IsReturned("members", Schema))
        {
            await queries.AddRelationsAsync(provider, [(row.Id, json)], call.BaseUrl, cancellationToken);
        }

        return Select(json, call.Selection);
    }

    private static JsonObject Select(JsonObject resource, ScimAttributeSelection selection) =>
        ReferenceEquals(selection, ScimAttributeSelection.Default) ? resource : selection.Apply(resource, Schema);
}
