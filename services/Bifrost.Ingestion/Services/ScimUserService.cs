using System.Net;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// SCIM Users for one provider: every query and write is scoped by the provider id, each write commits together with
/// its event in the outbox (creates, PUTs and PATCHes through the group-commit batchers, deletes in a transaction of
/// their own), and a write that changes nothing bumps nothing and publishes nothing.
/// </summary>
internal sealed class ScimUserService(
    IngestionDbContext db,
    ScimUserQueries queries,
    ScimUserCreateBatcher creates,
    ScimUserUpdateBatcher updates,
    ScimUserLookupBatcher lookups,
    TimeProvider time,
    ILogger<ScimUserService> logger)
{
    private static readonly ScimSchema Schema = ScimSchemas.User;

    public async Task<ScimResult> GetAsync(Guid provider, string id, ScimCall call, CancellationToken cancellationToken)
    {
        var read = ScimWrites.ParseId(id) is { } userId ? await queries.FindAsync(provider, userId, cancellationToken) : null;
        if (read is null)
        {
            throw ScimWrites.NotFound(ScimUserMapping.ResourceType, id);
        }

        var version = read.Row.Version;
        if (call.NotModified(version))
        {
            return new ScimResult(StatusCodes.Status304NotModified, ETag: ScimETag.Format(version));
        }

        return new ScimResult(StatusCodes.Status200OK, Render(read, call.Selection, call.BaseUrl), ETag: ScimETag.Format(version));
    }

    public async Task<JsonObject> ListAsync(Guid provider, ScimListRequest request, string baseUrl, CancellationToken cancellationToken)
    {
        if (request is { Filter: ScimComparisonFilter { Operator: ScimComparisonOperator.Eq, Value: string userName } filter, SortBy: null, StartIndex: 1, Count: > 0 }
            && filter.Path is { ValueFilter: null, SubAttributeName: null } path
            && path.AttributeName.Equals("userName", StringComparison.OrdinalIgnoreCase)
            && (path.SchemaUri is null || path.SchemaUri.Equals(Schema.Id, StringComparison.OrdinalIgnoreCase)))
        {
            // Entra's matching query (and Test Connection): read together with the lookups that arrive meanwhile, by one
            // query on the unique index, groups included.
            var matches = await lookups.FindAsync(provider, ScimKeys.Fold(userName), cancellationToken);
            return ScimListResponse.Create(matches.Select(m => Render(m, request.Selection, baseUrl)), matches.Count, request.StartIndex);
        }

        var page = await queries.ListAsync(provider, request, cancellationToken);
        var resources = await RenderAsync(provider, page.Rows, request.Selection, baseUrl, cancellationToken);
        return ScimListResponse.Create(resources, page.TotalResults, request.StartIndex);
    }

    /// <summary>
    /// POST /Users. A userName already taken (case-insensitively) is 409 <c>uniqueness</c>, also when the request repeats
    /// the stored user exactly: a create Entra re-sends after a timeout never makes a second user, and Entra matches the
    /// existing one on its next cycle (as Okta's spec test and Microsoft's collection expect).
    /// </summary>
    public async Task<ScimResult> CreateAsync(Guid provider, JsonObject body, ScimCall call, CancellationToken cancellationToken)
    {
        var resource = ScimUserMapping.PrepareForStorage(ScimResource.Normalize(body, Schema));
        var now = time.Now();
        var user = new ScimUser { Id = Guid.CreateVersion7(), ProviderId = provider, Version = 1, CreatedAt = now, LastModifiedAt = now };
        user.ApplyResource(resource);

        var message = OutboxMessage.Create(new ScimUserProvisioned
        {
            ProviderId = provider,
            UserId = user.Id,
            Version = user.Version,
            OccurredAt = now,
            User = user.ToSnapshot(),
        }, time);

        if (!await creates.CreateAsync(user, message, cancellationToken))
        {
            throw ScimUserMapping.UserNameTaken();
        }

        IngestionLog.UserCreated(logger, user.Id, provider);
        var created = Select(queries.ToScim(user.ToRow(), clone: true, call.BaseUrl), call.Selection);
        return new ScimResult(StatusCodes.Status201Created, created, call.Location(ScimUserMapping.Endpoint, user.Id), user.ETag());
    }

    /// <summary>PUT /Users/{id}: the body replaces every client-writable attribute.</summary>
    public async Task<ScimResult> ReplaceAsync(Guid provider, string id, JsonObject body, ScimCall call, CancellationToken cancellationToken)
    {
        var userId = ScimWrites.ParseId(id) ?? throw ScimWrites.NotFound(ScimUserMapping.ResourceType, id);
        var resource = ScimUserMapping.PrepareForStorage(ScimResource.Normalize(body, Schema));
        var updated = await updates.UpdateAsync(provider, userId, call, WithGroups(call), _ => resource, cancellationToken);
        return Result(updated, call);
    }

    /// <summary>PATCH /Users/{id}: answers 200 with the resource. No operations, or operations that change nothing, are a no-op.</summary>
    public async Task<ScimResult> PatchAsync(Guid provider, string id, JsonObject body, ScimCall call, CancellationToken cancellationToken)
    {
        var operations = ScimPatch.Parse(body);
        var userId = ScimWrites.ParseId(id) ?? throw ScimWrites.NotFound(ScimUserMapping.ResourceType, id);
        var updated = await updates.UpdateAsync(provider, userId, call, WithGroups(call), user =>
            operations.Count > 0 && ScimPatch.Apply(user.Resource, operations, Schema) is { ResourceChanged: true } result
                ? ScimUserMapping.PrepareForStorage(result.Resource)
                : null,
            cancellationToken);
        return Result(updated, call);
    }

    /// <summary>
    /// DELETE /Users/{id}: removes the user and its memberships. Each group it belonged to gets a new version and a
    /// <see cref="ScimGroupMembersRemoved"/>; the user's <see cref="ScimUserDeleted"/> carries its last version + 1.
    /// </summary>
    public async Task<ScimResult> DeleteAsync(Guid provider, string id, ScimCall call, CancellationToken cancellationToken)
    {
        var groupCount = await db.InTransactionAsync(async token =>
        {
            // The user's member stripe first: no add of this user to a group is in flight or can start (ScimMemberLocks).
            await db.LockExclusiveAsync(ScimWrites.ParseId(id) ?? throw ScimWrites.NotFound(ScimUserMapping.ResourceType, id), token);
            var user = await LockAsync(provider, id, call, token);
            var now = time.Now();

            // Lock the user's groups (in id order, as every writer does) before touching their member rows.
            var groups = await db.Groups.FromSql($"""
                SELECT * FROM ingestion.scim_groups
                WHERE provider_id = {provider}
                  AND id IN (SELECT group_id FROM ingestion.scim_group_members WHERE provider_id = {provider} AND member_id = {user.Id})
                ORDER BY id FOR UPDATE
                """).ToListAsync(token);
            await db.GroupMembers.Where(m => m.ProviderId == provider && m.MemberId == user.Id).ExecuteDeleteAsync(token);
            foreach (var group in groups)
            {
                group.Version++;
                group.LastModifiedAt = now;
                db.AddOutboxMessage(new ScimGroupMembersRemoved
                {
                    ProviderId = provider,
                    GroupId = group.Id,
                    Version = group.Version,
                    OccurredAt = now,
                    MemberIds = [user.Id],
                }, time);
            }

            db.Users.Remove(user);
            db.AddOutboxMessage(new ScimUserDeleted { ProviderId = provider, UserId = user.Id, Version = user.Version + 1, OccurredAt = now }, time);
            await db.SaveChangesAsync(token);
            return groups.Count;
        }, cancellationToken);

        IngestionLog.UserDeleted(logger, Guid.Parse(id), provider, groupCount);
        return ScimResult.NoContent();
    }

    /// <summary>Reads the user for update (row lock until commit) and checks <c>If-Match</c>.</summary>
    private async Task<ScimUser> LockAsync(Guid provider, string id, ScimCall call, CancellationToken cancellationToken)
    {
        var userId = ScimWrites.ParseId(id) ?? throw ScimWrites.NotFound(ScimUserMapping.ResourceType, id);
        var users = await db.Users
            .FromSql($"SELECT * FROM ingestion.scim_users WHERE id = {userId} AND provider_id = {provider} FOR UPDATE")
            .ToListAsync(cancellationToken);
        var user = users.SingleOrDefault() ?? throw ScimWrites.NotFound(ScimUserMapping.ResourceType, id);
        call.CheckIfMatch(user.Version);
        return user;
    }

    private static bool WithGroups(ScimCall call) => call.Selection.IsReturned("groups", Schema);

    /// <summary>The answer to a PUT or PATCH: the user as written, with the groups its transaction read.</summary>
    private ScimResult Result(ScimUserUpdateBatcher.Updated updated, ScimCall call) =>
        new(StatusCodes.Status200OK, Render(new ScimUserRead(updated.Row, updated.Groups ?? []), call.Selection, call.BaseUrl, clone: true),
            ETag: ScimETag.Format(updated.Row.Version));

    /// <summary>
    /// A read user as SCIM, with its groups when the selection returns them. <paramref name="clone"/>: the row's resource
    /// belongs to a tracked entity, so the answer must not share its nodes.
    /// </summary>
    private JsonObject Render(ScimUserRead read, ScimAttributeSelection selection, string baseUrl, bool clone = false)
    {
        var json = queries.ToScim(read.Row, clone, baseUrl);
        if (selection.IsReturned("groups", Schema))
        {
            ScimUserQueries.SetGroups(json, read.Groups, baseUrl);
        }

        return Select(json, selection);
    }

    private async Task<List<JsonObject>> RenderAsync(Guid provider, IReadOnlyList<ScimRow> rows, ScimAttributeSelection selection, string baseUrl, CancellationToken cancellationToken)
    {
        var resources = rows.Select(r => (r.Id, Resource: queries.ToScim(r, clone: false, baseUrl))).ToList();
        if (selection.IsReturned("groups", Schema))
        {
            await queries.AddRelationsAsync(provider, resources, baseUrl, cancellationToken);
        }

        return [.. resources.Select(r => Select(r.Resource, selection))];
    }

    private static JsonObject Select(JsonObject resource, ScimAttributeSelection selection) =>
        ReferenceEquals(selection, ScimAttributeSelection.Default) ? resource : selection.Apply(resource, Schema);
}
