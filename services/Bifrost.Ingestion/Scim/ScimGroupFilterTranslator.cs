using System.Linq.Expressions;

namespace Bifrost.Ingestion.Scim;

/// <summary>
/// Group filters in SQL: <c>id</c>, <c>displayName</c> (case-insensitive, <c>display_name_key</c>),
/// <c>externalId</c> (case-exact), <c>meta.created</c>/<c>meta.lastModified</c>, and member tests
/// (<c>members[value eq "x"]</c>, <c>members.value eq "x"</c>, <c>members eq "x"</c>, <c>members pr</c>) on the
/// membership table.
/// </summary>
internal sealed class ScimGroupFilterTranslator(IngestionDbContext db, Guid provider) : ScimFilterTranslator<ScimGroup>
{
    private static readonly ScimSchema Schema = ScimSchemas.Group;

    protected override ScimPredicate<ScimGroup> TranslateLeaf(ScimFilter filter) => filter switch
    {
        ScimComparisonFilter { Value: null } c => Null(c),
        ScimComparisonFilter { Path.ValueFilter: null } c => Compare(c),
        ScimPresentFilter { Path.ValueFilter: null } p => Present(p.Path),
        ScimValuePathFilter v when IsCore(v.Path with { ValueFilter = null }, Schema, "members")
            && v.Path.ValueFilter is ScimComparisonFilter { Path: { SchemaUri: null, ValueFilter: null, SubAttributeName: null } inner } member
            && inner.AttributeName.Equals("value", StringComparison.OrdinalIgnoreCase) => Member(member.Operator, member.Value),
        _ => ScimPredicate<ScimGroup>.Unknown,
    };

    private static ScimPredicate<ScimGroup> Null(ScimComparisonFilter c)
    {
        if (c.Operator is not (ScimComparisonOperator.Eq or ScimComparisonOperator.Ne))
        {
            return Always(false);
        }

        var present = c.Operator == ScimComparisonOperator.Ne;
        var path = c.Path;
        return path.ValueFilter is not null ? ScimPredicate<ScimGroup>.Unknown
            : IsCore(path, Schema, "id") || IsCore(path, Schema, "displayName")
                || IsCore(path, Schema, "meta", "created") || IsCore(path, Schema, "meta", "lastModified") ? Always(present)
            : IsCore(path, Schema, "externalId") ? Presence(g => g.ExternalId, present)
            : ScimPredicate<ScimGroup>.Unknown;
    }

    private ScimPredicate<ScimGroup> Compare(ScimComparisonFilter c)
    {
        var path = c.Path;
        var text = LiteralText(c.Value);
        return IsCore(path, Schema, "id") ? Id(g => g.Id, c.Operator, c.Value)
            : IsCore(path, Schema, "displayName") ? Text(g => g.DisplayNameKey, c.Operator, ScimKeys.Fold(text!))
            : IsCore(path, Schema, "externalId") ? Text(g => g.ExternalId, c.Operator, text!)
            : IsCore(path, Schema, "meta", "created") ? Timestamp(g => g.CreatedAt, c.Operator, c.Value)
            : IsCore(path, Schema, "meta", "lastModified") ? Timestamp(g => g.LastModifiedAt, c.Operator, c.Value)
            : IsCore(path, Schema, "members") || IsCore(path, Schema, "members", "value") ? Member(c.Operator, c.Value)
            : ScimPredicate<ScimGroup>.Unknown;
    }

    private ScimPredicate<ScimGroup> Member(ScimComparisonOperator op, object? literal)
    {
        if (op is not (ScimComparisonOperator.Eq or ScimComparisonOperator.Ne))
        {
            return ScimPredicate<ScimGroup>.Unknown;
        }

        Expression<Func<ScimGroup, bool>> member = ParseId(literal) is { } memberId
            ? g => db.GroupMembers.Any(m => m.ProviderId == provider && m.MemberId == memberId && m.GroupId == g.Id)
            : g => false;
        return Exact(op == ScimComparisonOperator.Eq ? member : Lambda(Expression.Not(Rebind(member))));
    }

    private ScimPredicate<ScimGroup> Present(ScimAttributePath path) =>
        IsCore(path, Schema, "id") || IsCore(path, Schema, "displayName") || IsCore(path, Schema, "meta")
            || IsCore(path, Schema, "meta", "created") || IsCore(path, Schema, "meta", "lastModified") ? Always(true)
        : IsCore(path, Schema, "externalId") ? Presence(g => g.ExternalId, true)
        : IsCore(path, Schema, "members") || IsCore(path, Schema, "members", "value") ? Exact(g => db.GroupMembers.Any(m => m.GroupId == g.Id))
        : ScimPredicate<ScimGroup>.Unknown;
}
