using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace Bifrost.Ingestion.Scim;

/// <summary>
/// A SQL predicate for a filter: <see cref="Predicate"/> selects a superset of the matching rows (null = no
/// restriction); when <see cref="Exact"/> it selects exactly them, otherwise the candidates must be checked with
/// <see cref="ScimFilterEvaluator"/>.
/// </summary>
internal readonly record struct ScimPredicate<T>(Expression<Func<T, bool>>? Predicate, bool Exact)
{
    public static ScimPredicate<T> Unknown => new(null, false);
}

/// <summary>
/// Translates a filter into an EF Core predicate over indexed columns, node by node: a comparison on an indexed
/// attribute becomes exact SQL; anything else becomes "no restriction, check in memory". <c>and</c> keeps whatever
/// restriction either side has; <c>or</c> keeps one only when both sides have one; <c>not</c> only negates an exact
/// predicate. Values are always captured as query parameters, never written into SQL text.
/// </summary>
internal abstract class ScimFilterTranslator<T>
{
    private static readonly MethodInfo s_startsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!;
    private static readonly MethodInfo s_endsWith = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string)])!;
    private static readonly MethodInfo s_contains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;

    protected static readonly ParameterExpression Row = Expression.Parameter(typeof(T), "r");

    public ScimPredicate<T> Translate(ScimFilter filter)
    {
        switch (filter)
        {
            case ScimLogicalFilter { Operator: ScimLogicalOperator.And } and:
            {
                var left = Translate(and.Left);
                var right = Translate(and.Right);
                return new(Combine(left.Predicate, right.Predicate, Expression.AndAlso), left.Exact && right.Exact);
            }
            case ScimLogicalFilter or:
            {
                var left = Translate(or.Left);
                var right = Translate(or.Right);
                var predicate = left.Predicate is null || right.Predicate is null ? null : Combine(left.Predicate, right.Predicate, Expression.OrElse);
                return new(predicate, left.Exact && right.Exact);
            }
            case ScimNotFilter not:
            {
                var inner = Translate(not.Filter);
                return inner.Exact
                    ? new(inner.Predicate is null ? Constant(false) : Lambda(Expression.Not(Rebind(inner.Predicate))), true)
                    : ScimPredicate<T>.Unknown;
            }
            default:
                return TranslateLeaf(filter);
        }
    }

    /// <summary>A comparison, presence test or value-path filter; <see cref="ScimPredicate{T}.Unknown"/> when not indexed.</summary>
    protected abstract ScimPredicate<T> TranslateLeaf(ScimFilter filter);

    /// <summary>Whether the path names a core attribute of <paramref name="schema"/> (unqualified or with the core URN).</summary>
    protected static bool IsCore(ScimAttributePath path, ScimSchema schema, string attribute, string? sub = null) =>
        (path.SchemaUri is null || path.SchemaUri.Equals(schema.Id, StringComparison.OrdinalIgnoreCase))
        && path.AttributeName.Equals(attribute, StringComparison.OrdinalIgnoreCase)
        && (sub is null ? path.SubAttributeName is null : sub.Equals(path.SubAttributeName, StringComparison.OrdinalIgnoreCase));

    protected static ScimPredicate<T> Exact(Expression<Func<T, bool>> predicate) => new(predicate, true);

    protected static ScimPredicate<T> Always(bool value) => new(Constant(value), true);

    protected static Expression<Func<T, bool>> Constant(bool value) => Lambda(Expression.Constant(value));

    protected static Expression<Func<T, bool>> Lambda(Expression body) => Expression.Lambda<Func<T, bool>>(body, Row);

    /// <summary>The literal as text, the way the evaluator compares it (booleans and numbers in JSON form).</summary>
    protected static string? LiteralText(object? literal) => literal switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>
    /// A string column compared with <paramref name="value"/> (already folded for case-insensitive columns):
    /// eq, ne, sw, ew, co in SQL; ordering comparisons are left to the evaluator (collations differ from ordinal order).
    /// Null semantics follow the evaluator: <c>ne</c> matches an absent value.
    /// </summary>
    protected static ScimPredicate<T> Text(Expression<Func<T, string?>> column, ScimComparisonOperator op, string value)
    {
        var body = Rebind(column);
        var parameter = Parameter(value);
        return op switch
        {
            ScimComparisonOperator.Eq => Exact(Lambda(Expression.Equal(body, parameter))),
            ScimComparisonOperator.Ne => Exact(Lambda(Expression.NotEqual(body, parameter))),
            ScimComparisonOperator.Sw => Exact(Lambda(NotNullAnd(body, Expression.Call(body, s_startsWith, parameter)))),
            ScimComparisonOperator.Ew => Exact(Lambda(NotNullAnd(body, Expression.Call(body, s_endsWith, parameter)))),
            ScimComparisonOperator.Co => Exact(Lambda(NotNullAnd(body, Expression.Call(body, s_contains, parameter)))),
            _ => ScimPredicate<T>.Unknown,
        };
    }

    /// <summary><c>eq null</c> / <c>ne null</c> / <c>pr</c> on a nullable column; other operators with null never match.</summary>
    protected static ScimPredicate<T> Presence<TValue>(Expression<Func<T, TValue>> column, bool present) =>
        Exact(Lambda(present
            ? Expression.NotEqual(Rebind(column), Expression.Constant(null, typeof(TValue)))
            : Expression.Equal(Rebind(column), Expression.Constant(null, typeof(TValue)))));

    /// <summary>A timestamp column (meta.created, meta.lastModified) against a literal the evaluator would parse the same way.</summary>
    protected static ScimPredicate<T> Timestamp(Expression<Func<T, DateTimeOffset>> column, ScimComparisonOperator op, object? literal)
    {
        if (LiteralText(literal) is not { } text
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return ScimPredicate<T>.Unknown; // the evaluator then compares text
        }

        var body = Rebind(column);
        var parameter = Parameter(instant.ToUniversalTime());
        Func<Expression, Expression, BinaryExpression>? compare = op switch
        {
            ScimComparisonOperator.Eq => Expression.Equal,
            ScimComparisonOperator.Ne => Expression.NotEqual,
            ScimComparisonOperator.Gt => Expression.GreaterThan,
            ScimComparisonOperator.Ge => Expression.GreaterThanOrEqual,
            ScimComparisonOperator.Lt => Expression.LessThan,
            ScimComparisonOperator.Le => Expression.LessThanOrEqual,
            _ => null,
        };
        return compare is null ? ScimPredicate<T>.Unknown : Exact(Lambda(compare(body, parameter)));
    }

    /// <summary>An id column: ids are case-exact text, so only the canonical rendering of a GUID matches.</summary>
    protected static ScimPredicate<T> Id(Expression<Func<T, Guid>> column, ScimComparisonOperator op, object? literal)
    {
        if (op is not (ScimComparisonOperator.Eq or ScimComparisonOperator.Ne))
        {
            return ScimPredicate<T>.Unknown;
        }

        var equal = ParseId(literal) is { } id
            ? Lambda(Expression.Equal(Rebind(column), Parameter(id)))
            : Constant(false);
        return Exact(op == ScimComparisonOperator.Eq ? equal : Lambda(Expression.Not(equal.Body)));
    }

    /// <summary>A GUID written exactly as this server writes ids (lower-case, hyphenated), else null.</summary>
    protected static Guid? ParseId(object? literal) =>
        literal is string text && Guid.TryParseExact(text, "D", out var id) && id.ToString() == text ? id : null;

    /// <summary>A captured value: EF Core sends it as a query parameter.</summary>
    protected static Expression Parameter<TValue>(TValue value)
    {
        Expression<Func<TValue>> capture = () => value;
        return capture.Body;
    }

    protected static Expression Rebind<TResult>(Expression<Func<T, TResult>> expression) =>
        new Rebinder(expression.Parameters[0], Row).Visit(expression.Body);

    private static BinaryExpression NotNullAnd(Expression column, Expression test) =>
        Expression.AndAlso(Expression.NotEqual(column, Expression.Constant(null, typeof(string))), test);

    private static Expression<Func<T, bool>>? Combine(Expression<Func<T, bool>>? left, Expression<Func<T, bool>>? right, Func<Expression, Expression, BinaryExpression> combine) =>
        left is null ? right : right is null ? left : Lambda(combine(Rebind(left), Rebind(right)));

    private sealed class Rebinder(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
