using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Reads of users: by id and by userName through compiled queries (the hot paths), everything else through the engine.
/// Entra's matching query (<c>userName eq</c>) reaches the userName query through <see cref="ScimUserLookupBatcher"/>,
/// which reads the lookups that arrive together by one query.
/// </summary>
internal sealed class ScimUserQueries(IngestionDbContext db, IOptions<ScimOptions> options) : ScimQueryEngine<ScimUser>(db, options.Value)
{
    // The hot paths (Entra reads users by id and matches them by userName) are compiled queries that also bring the
    // user's groups in the same round trip.
    private static readonly Func<IngestionDbContext, Guid, Guid, Task<ScimUserRead?>> s_byId = EF.CompileAsyncQuery(
        (IngestionDbContext db, Guid provider, Guid id) => db.Users.AsNoTracking()
            .Where(u => u.ProviderId == provider && u.Id == id)
            .Select(u => new ScimUserRead(
                new ScimRow(u.Id, u.Resource, u.Version, u.CreatedAt, u.LastModifiedAt),
                db.GroupMembers.Where(m => m.ProviderId == provider && m.MemberId == u.Id)
                    .Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => new ScimGroupRef(g.Id, g.DisplayName))
                    .ToList()))
            .FirstOrDefault());

    private static readonly Func<IngestionDbContext, Guid, string[], IAsyncEnumerable<ScimUserReadByKey>> s_byUserNameKeys = EF.CompileAsyncQuery(
        (IngestionDbContext db, Guid provider, string[] keys) => db.Users.AsNoTracking()
            .Where(u => u.ProviderId == provider && keys.Contains(u.UserNameKey))
            .Select(u => new ScimUserReadByKey(u.UserNameKey, new ScimUserRead(
                new ScimRow(u.Id, u.Resource, u.Version, u.CreatedAt, u.LastModifiedAt),
                db.GroupMembers.Where(m => m.ProviderId == provider && m.MemberId == u.Id)
                    .Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => new ScimGroupRef(g.Id, g.DisplayName))
                    .ToList()))));

    // Built once: an expression tree is made of reflection objects, and this class is created for every request.
    private static readonly Expression<Func<ScimUser, ScimRow>> s_projection = u => new ScimRow(u.Id, u.Resource, u.Version, u.CreatedAt, u.LastModifiedAt);

    private static readonly Expression<Func<ScimUser, Guid>> s_idOf = u => u.Id;

    public override ScimSchema Schema => ScimSchemas.User;

    public override string Endpoint => ScimUserMapping.Endpoint;

    public override string ResourceType => ScimUserMapping.ResourceType;

    public override string RelationAttribute => "groups";

    protected override IQueryable<ScimUser> Scope(Guid provider) => Db.Users.AsNoTracking().Where(u => u.ProviderId == provider);

    protected override ScimFilterTranslator<ScimUser> CreateTranslator(Guid provider) => new ScimUserFilterTranslator(Db, provider);

    protected override Expression<Func<ScimUser, ScimRow>> Projection => s_projection;

    protected override Expression<Func<ScimUser, Guid>> IdOf => s_idOf;

    protected override IOrderedQueryable<ScimUser> DefaultOrder(IQueryable<ScimUser> query) => query.OrderBy(u => u.UserNameKey);

    protected override IOrderedQueryable<ScimUser>? ColumnOrder(IQueryable<ScimUser> query, ScimAttributePath sortBy, bool descending)
    {
        if (sortBy.SchemaUri is not null && !sortBy.SchemaUri.Equals(ScimConstants.UserSchema, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var name = sortBy.SubAttributeName is null ? sortBy.AttributeName.ToLowerInvariant() : $"{sortBy.AttributeName}.{sortBy.SubAttributeName}".ToLowerInvariant();
        return name switch
        {
            "username" => Order(query, u => u.UserNameKey, descending),
            "externalid" => Order(query, u => u.ExternalId, descending).ThenBy(u => u.Id),
            "displayname" => Order(query, u => u.DisplayNameKey, descending).ThenBy(u => u.Id),
            "id" => Order(query, u => u.Id, descending),
            "active" => Order(query, u => u.Active, descending).ThenBy(u => u.Id),
            "meta.created" => Order(query, u => u.CreatedAt, descending).ThenBy(u => u.Id),
            "meta.lastmodified" => Order(query, u => u.LastModifiedAt, descending).ThenBy(u => u.Id),
            _ => null, // sorted in memory by the resource's value
        };
    }

    private static IOrderedQueryable<ScimUser> Order<TKey>(IQueryable<ScimUser> query, Expression<Func<ScimUser, TKey>> key, bool descending) =>
        descending ? query.OrderByDescending(key) : query.OrderBy(key);

    /// <summary>The user with this id, with its groups.</summary>
    public Task<ScimUserRead?> FindAsync(Guid provider, Guid id, CancellationToken cancellationToken) => s_byId(Db, provider, id);

    /// <summary>The provider's users whose userName key is one of <paramref name="keys"/>, with their groups: one query on the unique index.</summary>
    public static IAsyncEnumerable<ScimUserReadByKey> FindByUserNameKeys(IngestionDbContext db, Guid provider, string[] keys) => s_byUserNameKeys(db, provider, keys);

    /// <summary>Sets the read-only <c>groups</c> attribute of a user resource (nothing when there are none).</summary>
    public static void SetGroups(JsonObject resource, IEnumerable<ScimGroupRef> groups, string baseUrl)
    {
        var values = groups.OrderBy(g => g.DisplayName, StringComparer.Ordinal).Select(g => (JsonNode)new JsonObject
        {
            ["value"] = g.Id.ToString(),
            ["$ref"] = $"{baseUrl}/{ScimGroupMapping.Endpoint}/{g.Id}",
            ["display"] = g.DisplayName,
            ["type"] = "direct",
        }).ToArray();
        if (values.Length > 0)
        {
            resource["groups"] = new JsonArray(values);
        }
    }

    /// <summary>
    /// Adds the read-only <c>groups</c> attribute (direct memberships, from the membership table) to user resources:
    /// one query for all of them.
    /// </summary>
    public override async Task AddRelationsAsync(Guid provider, IReadOnlyList<(Guid Id, JsonObject Resource)> resources, string baseUrl, CancellationToken cancellationToken)
    {
        if (resources.Count == 0)
        {
            return;
        }

        var byUser = await GroupsOfAsync(Db, provider, resources.Select(r => r.Id).ToArray(), cancellationToken);
        foreach (var (id, resource) in resources)
        {
            SetGroups(resource, byUser[id], baseUrl);
        }
    }

    /// <summary>
    /// The direct groups of each of <paramref name="userIds"/> in <paramref name="provider"/>: one query, on the
    /// membership table's member index. Also run inside a write's transaction, to answer with what it committed.
    /// </summary>
    public static async Task<ILookup<Guid, ScimGroupRef>> GroupsOfAsync(IngestionDbContext db, Guid provider, Guid[] userIds, CancellationToken cancellationToken)
    {
        var memberships = await db.GroupMembers.AsNoTracking()
            .Where(m => m.ProviderId == provider && userIds.Contains(m.MemberId))
            .Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => new { m.MemberId, Group = new ScimGroupRef(g.Id, g.DisplayName) })
            .ToListAsync(cancellationToken);
        return memberships.ToLookup(m => m.MemberId, m => m.Group);
    }
}
