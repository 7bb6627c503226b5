using System.Linq.Expressions;

namespace Bifrost.Ingestion.Scim;

/// <summary>
/// User filters in SQL: <c>id</c>, <c>userName</c> (case-insensitive, <c>user_name_key</c>), <c>externalId</c>
/// (case-exact), <c>displayName</c> (case-insensitive, <c>display_name_key</c>), <c>active</c>,
/// <c>meta.created</c>/<c>meta.lastModified</c>, <c>groups</c> (the membership table), and e-mail equality
/// (<c>emails.value</c>, <c>emails[type eq "work"].value</c>) as an indexed pre-filter on <c>email_key</c>/<c>email_keys</c>
/// that the evaluator confirms.
/// </summary>
internal sealed class ScimUserFilterTranslator(IngestionDbContext db, Guid provider) : ScimFilterTranslator<ScimUser>
{
    private static readonly ScimSchema Schema = ScimSchemas.User;

    protected override ScimPredicate<ScimUser> TranslateLeaf(ScimFilter filter) => filter switch
    {
        ScimComparisonFilter { Value: null } c => Null(c),
        ScimComparisonFilter { Path.ValueFilter: null } c => Compare(c),
        ScimComparisonFilter c when IsCore(c.Path with { ValueFilter = null }, Schema, "emails", "value") => Email(c.Operator, c.Value),
        ScimPresentFilter { Path.ValueFilter: null } p => Present(p.Path),
        ScimValuePathFilter v when IsCore(v.Path with { ValueFilter = null }, Schema, "groups")
            && v.Path.ValueFilter is ScimComparisonFilter { Path: { SchemaUri: null, ValueFilter: null, SubAttributeName: null } inner } member
            && inner.AttributeName.Equals("value", StringComparison.OrdinalIgnoreCase) => Group(member.Operator, member.Value),
        _ => ScimPredicate<ScimUser>.Unknown,
    };

    private static ScimPredicate<ScimUser> Null(ScimComparisonFilter c)
    {
        if (c.Operator is not (ScimComparisonOperator.Eq or ScimComparisonOperator.Ne))
        {
            return Always(false);
        }

        var present = c.Operator == ScimComparisonOperator.Ne;
        var path = c.Path;
        return path.ValueFilter is not null ? ScimPredicate<ScimUser>.Unknown
            : IsCore(path, Schema, "id") || IsCore(path, Schema, "userName") || IsCore(path, Schema, "active")
                || IsCore(path, Schema, "meta", "created") || IsCore(path, Schema, "meta", "lastModified") ? Always(present)
            : IsCore(path, Schema, "externalId") ? Presence(u => u.ExternalId, present)
            : IsCore(path, Schema, "displayName") ? Presence(u => u.DisplayName, present)
            : ScimPredicate<ScimUser>.Unknown;
    }

    private ScimPredicate<ScimUser> Compare(ScimComparisonFilter c)
    {
        var path = c.Path;
        var text = LiteralText(c.Value);
        if (IsCore(path, Schema, "id"))
        {
            return Id(u => u.Id, c.Operator, c.Value);
        }

        if (IsCore(path, Schema, "userName"))
        {
            return Text(u => u.UserNameKey, c.Operator, ScimKeys.Fold(text!));
        }

        if (IsCore(path, Schema, "externalId"))
        {
            return Text(u => u.ExternalId, c.Operator, text!);
        }

        if (IsCore(path, Schema, "displayName"))
        {
            return Text(u => u.DisplayNameKey, c.Operator, ScimKeys.Fold(text!));
        }

        if (IsCore(path, Schema, "active"))
        {
            return Active(c.Operator, c.Value);
        }

        if (IsCore(path, Schema, "meta", "created"))
        {
            return Timestamp(u => u.CreatedAt, c.Operator, c.Value);
        }

        if (IsCore(path, Schema, "meta", "lastModified"))
        {
            return Timestamp(u => u.LastModifiedAt, c.Operator, c.Value);
        }

        if (IsCore(path, Schema, "emails") || IsCore(path, Schema, "emails", "value"))
        {
            return Email(c.Operator, c.Value);
        }

        if (IsCore(path, Schema, "groups") || IsCore(path, Schema, "groups", "value"))
        {
            return Group(c.Operator, c.Value);
        }

        return ScimPredicate<ScimUser>.Unknown;
    }

    private static ScimPredicate<ScimUser> Active(ScimComparisonOperator op, object? literal)
    {
        bool? value = literal switch
        {
            bool b => b,
            string s when bool.TryParse(s.Trim(), out var parsed) => parsed,
            _ => null,
        };
        return op switch
        {
            ScimComparisonOperator.Eq => value is { } eq ? Exact(u => u.Active == eq) : Always(false),
            ScimComparisonOperator.Ne => value is { } ne ? Exact(u => u.Active != ne) : Always(true),
            _ => Always(false),
        };
    }

    /// <summary>
    /// Equality on an e-mail value: the users whose work address (<c>email_key</c>, b-tree) or any address
    /// (<c>email_keys</c>, GIN: <c>@keys &lt;@ email_keys</c>) is the value. Whatever the value filter
    /// (<c>[type eq "work"]</c>…), the evaluator then confirms the match on those few candidates.
    /// </summary>
    private static ScimPredicate<ScimUser> Email(ScimComparisonOperator op, object? literal)
    {
        if (op != ScimComparisonOperator.Eq || LiteralText(literal) is not { } text)
        {
            return ScimPredicate<ScimUser>.Unknown;
        }

        var key = ScimKeys.Fold(text);
        string[] keys = [key];
        return new(u => u.EmailKey == key || keys.All(k => u.EmailKeys.Contains(k)), false);
    }

    private ScimPredicate<ScimUser> Group(ScimComparisonOperator op, object? literal)
    {
        if (op is not (ScimComparisonOperator.Eq or ScimComparisonOperator.Ne))
        {
            return ScimPredicate<ScimUser>.Unknown;
        }

        Expression<Func<ScimUser, bool>> member = ParseId(literal) is { } groupId
            ? u => db.GroupMembers.Any(m => m.ProviderId == provider && m.GroupId == groupId && m.MemberId == u.Id)
            : u => false;
        return Exact(op == ScimComparisonOperator.Eq ? member : Lambda(Expression.Not(Rebind(member))));
    }

    private ScimPredicate<ScimUser> Present(ScimAttributePath path) =>
        IsCore(path, Schema, "id") || IsCore(path, Schema, "userName") || IsCore(path, Schema, "active") || IsCore(path, Schema, "meta")
            || IsCore(path, Schema, "meta", "created") || IsCore(path, Schema, "meta", "lastModified") ? Always(true)
        : IsCore(path, Schema, "externalId") ? Presence(u => u.ExternalId, true)
        : IsCore(path, Schema, "displayName") ? Presence(u => u.DisplayName, true)
        : IsCore(path, Schema, "emails", "value") ? Presence(u => u.EmailKey, true)
        : IsCore(path, Schema, "groups") || IsCore(path, Schema, "groups", "value") ? Exact(u => db.GroupMembers.Any(m => m.ProviderId == provider && m.MemberId == u.Id))
        : ScimPredicate<ScimUser>.Unknown;
}
