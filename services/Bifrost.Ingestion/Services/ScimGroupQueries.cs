using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>Reads of groups. Members are read only when an answer (or a filter the database cannot answer) needs them.</summary>
internal sealed class ScimGroupQueries(IngestionDbContext db, IOptions<ScimOptions> options) : ScimQueryEngine<ScimGroup>(db, options.Value)
{
    private static readonly Func<IngestionDbContext, Guid, Guid, Task<ScimRow?>> s_byId = EF.CompileAsyncQuery(
        (IngestionDbContext db, Guid provider, Guid id) => db.Groups.AsNoTracking()
            .Where(g => g.ProviderId == provider && g.Id == id)
            .Select(g => new ScimRow(g.Id, g.Resource, g.Version, g.CreatedAt, g.LastModifiedAt))
            .FirstOrDefault());

    // Built once: an expression tree is made of reflection objects, and this class is created for every request.
    private static readonly Expression<Func<ScimGroup, ScimRow>> s_projection = g => new ScimRow(g.Id, g.Resource, g.Version, g.CreatedAt, g.LastModifiedAt);

    private static readonly Expression<Func<ScimGroup, Guid>> s_idOf = g => g.Id;

    public override ScimSchema Schema => ScimSchemas.Group;

    public override string Endpoint => ScimGroupMapping.Endpoint;

    public override string ResourceType => ScimGroupMapping.ResourceType;

    public override string RelationAttribute => "members";

    protected override IQueryable<ScimGroup> Scope(Guid provider) => Db.Groups.AsNoTracking().Where(g => g.ProviderId == provider);

    protected override ScimFilterTranslator<ScimGroup> CreateTranslator(Guid provider) => new ScimGroupFilterTranslator(Db, provider);

    protected override Expression<Func<ScimGroup, ScimRow>> Projection => s_projection;

    protected override Expression<Func<ScimGroup, Guid>> IdOf => s_idOf;

    protected override IOrderedQueryable<ScimGroup> DefaultOrder(IQueryable<ScimGroup> query) => query.OrderBy(g => g.DisplayNameKey);

    protected override IOrderedQueryable<ScimGroup>? ColumnOrder(IQueryable<ScimGroup> query, ScimAttributePath sortBy, bool descending)
    {
        if (sortBy.SchemaUri is not null && !sortBy.SchemaUri.Equals(ScimConstants.GroupSchema, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var name = sortBy.SubAttributeName is null ? sortBy.AttributeName.ToLowerInvariant() : $"{sortBy.AttributeName}.{sortBy.SubAttributeName}".ToLowerInvariant();
        return name switch
        {
            "displayname" => Order(query, g => g.DisplayNameKey, descending),
            "externalid" => Order(query, g => g.ExternalId, descending).ThenBy(g => g.Id),
            "id" => Order(query, g => g.Id, descending),
            "meta.created" => Order(query, g => g.CreatedAt, descending).ThenBy(g => g.Id),
            "meta.lastmodified" => Order(query, g => g.LastModifiedAt, descending).ThenBy(g => g.Id),
            _ => null,
        };
    }

    private static IOrderedQueryable<ScimGroup> Order<TKey>(IQueryable<ScimGroup> query, Expression<Func<ScimGroup, TKey>> key, bool descending) =>
        descending ? query.OrderByDescending(key) : query.OrderBy(key);

    public Task<ScimRow?> FindAsync(Guid provider, Guid id, CancellationToken cancellationToken) => s_byId(Db, provider, id);

    /// <summary>
    /// Adds <c>members</c> (value, $ref, type, display: the member's displayName, else its userName) to group resources:
    /// one query for all of them, ordered by member id.
    /// </summary>
    public override async Task AddRelationsAsync(Guid provider, IReadOnlyList<(Guid Id, JsonObject Resource)> resources, string baseUrl, CancellationToken cancellationToken)
    {
        if (resources.Count == 0)
        {
            return;
        }

        var ids = resources.Select(r => r.Id).ToArray();
        var members = await (
                from m in Db.GroupMembers.AsNoTracking()
                where ids.Contains(m.GroupId)
                join u in Db.Users on m.MemberId equals u.Id into users
                from u in users.DefaultIfEmpty()
                join g in Db.Groups on m.MemberId equals g.Id into groups
                from g in groups.DefaultIfEmpty()
                orderby m.GroupId, m.MemberId
                select new { m.GroupId, m.MemberId, m.MemberType, Display = u != null ? u.DisplayName ?? u.UserName : g != null ? g.DisplayName : null })
            .ToListAsync(cancellationToken);
        var byGroup = members.ToLookup(m => m.GroupId);
        foreach (var (id, resource) in resources)
        {
            resource["members"] = new JsonArray([.. byGroup[id].Select(m => (JsonNode)new JsonObject
            {
                ["value"] = m.MemberId.ToString(),
                ["$ref"] = $"{baseUrl}/{(m.MemberType == ScimGroupMember.GroupType ? ScimGroupMapping.Endpoint : ScimUserMapping.Endpoint)}/{m.MemberId}",
                ["type"] = m.MemberType,
                ["display"] = m.Display,
            })]);
        }
    }
}
