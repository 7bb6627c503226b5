namespace Bifrost.Scim;

/// <summary>
/// Evaluates a filter against an in-memory resource. Strings compare case-insensitively unless the schema says
/// <c>caseExact</c>; a multi-valued attribute matches when any value does; a complex value without a sub-attribute
/// compares its <c>value</c> sub-attribute (<c>manager eq "id"</c>, <c>emails co "@x"</c>); booleans accept
/// "True"/"False" strings; dateTime and numbers compare by value. <c>ne</c> is the negation of <c>eq</c>,
/// so it also matches an absent attribute; <c>eq null</c> means "not present". Unknown attributes compare by
/// their JSON type with RFC 7643 defaults (caseExact false).
/// </summary>
public static class ScimFilterEvaluator
{
    public static bool Matches(JsonObject resource, ScimFilter filter, ScimSchema schema) =>
        Evaluate(new Scope(resource, schema, null), filter);

    /// <summary>Whether one element of a multi-valued complex attribute matches a value filter.</summary>
    internal static bool MatchesElement(JsonObject element, ScimFilter filter, ScimAttribute? attribute) =>
        Evaluate(new Scope(element, null, attribute), filter);

    /// <summary>Calls <paramref name="visit"/> for each value the path selects until it returns true.</summary>
    internal static bool AnyValue(JsonObject resource, ScimSchema schema, ScimAttributePath path, Func<JsonNode?, ScimAttribute?, bool> visit) =>
        AnyValue(new Scope(resource, schema, null), path, visit);

    /// <summary>The object being filtered: a resource (with its schema) or an element inside a value filter.</summary>
    private readonly record struct Scope(JsonObject Node, ScimSchema? Schema, ScimAttribute? Parent);

    private static bool Evaluate(Scope scope, ScimFilter filter) => filter switch
    {
        ScimLogicalFilter { Operator: ScimLogicalOperator.And } f => Evaluate(scope, f.Left) && Evaluate(scope, f.Right),
        ScimLogicalFilter f => Evaluate(scope, f.Left) || Evaluate(scope, f.Right),
        ScimNotFilter f => !Evaluate(scope, f.Filter),
        ScimPresentFilter f => AnyValue(scope, f.Path, static (value, _) => IsPresent(value)),
        ScimValuePathFilter f => AnyValue(scope, f.Path, static (value, _) => value is not null),
        ScimComparisonFilter { Value: null } f => f.Operator switch
        {
            ScimComparisonOperator.Eq => !AnyValue(scope, f.Path, static (value, _) => IsPresent(value)),
            ScimComparisonOperator.Ne => AnyValue(scope, f.Path, static (value, _) => IsPresent(value)),
            _ => false,
        },
        ScimComparisonFilter { Operator: ScimComparisonOperator.Ne } f =>
            !AnyValue(scope, f.Path, (value, attribute) => Compare(value, attribute, ScimComparisonOperator.Eq, f.Value)),
        ScimComparisonFilter f => AnyValue(scope, f.Path, (value, attribute) => Compare(value, attribute, f.Operator, f.Value)),
        _ => false,
    };

    private static bool AnyValue(Scope scope, ScimAttributePath path, Func<JsonNode?, ScimAttribute?, bool> visit)
    {
        JsonObject? container = scope.Node;
        AttributeTarget target;
        if (scope.Schema is not null)
        {
            target = scope.Schema.ResolveTarget(path, ScimErrorType.InvalidFilter);
            container = target.ContainerKey is null ? container : ScimJson.Get(container, target.ContainerKey) as JsonObject;
        }
        else
        {
            var attribute = scope.Parent?.FindSubAttribute(path.AttributeName);
            target = new AttributeTarget(null, attribute?.Name ?? path.AttributeName, attribute, path.SubAttributeName, null, path.ValueFilter);
        }
        var node = container is null ? null : ScimJson.Get(container, target.Name);
        if (node is JsonArray array)
        {
            foreach (var element in array)
            {
                if (VisitElement(element, target, visit))
                {
                    return true;
                }
            }
            return false;
        }
        return node is not null && VisitElement(node, target, visit);
    }

    private static bool VisitElement(JsonNode? element, AttributeTarget target, Func<JsonNode?, ScimAttribute?, bool> visit)
    {
        if (target.ValueFilter is not null && (element is not JsonObject candidate || !MatchesElement(candidate, target.ValueFilter, target.Attribute)))
        {
            return false;
        }
        if (target.SubName is null)
        {
            return visit(element, target.Attribute);
        }
        var sub = element is JsonObject obj ? ScimJson.Get(obj, target.SubName) : null;
        var subAttribute = target.SubAttribute ?? target.Attribute?.FindSubAttribute(target.SubName);
        return sub is JsonArray values ? values.Any(v => visit(v, subAttribute)) : visit(sub, subAttribute);
    }

    private static bool IsPresent(JsonNode? value) => value switch
    {
        null => false,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => !ScimJson.IsEmpty(value),
    };

    private static bool Compare(JsonNode? value, ScimAttribute? attribute, ScimComparisonOperator op, object? literal)
    {
        if (value is JsonObject complex)
        {
            value = ScimJson.Get(complex, "value");
            attribute = attribute?.FindSubAttribute("value");
        }
        if (value is not JsonValue)
        {
            return false;
        }
        var type = attribute?.Type ?? value.GetValueKind() switch
        {
            JsonValueKind.Number => ScimAttributeType.Decimal,
            JsonValueKind.True or JsonValueKind.False => ScimAttributeType.Boolean,
            _ => ScimAttributeType.String,
        };
        return type switch
        {
            ScimAttributeType.Boolean => op == ScimComparisonOperator.Eq && ScimJson.ToBoolean(value) is { } actual
                && LiteralBoolean(literal) is { } expected && actual == expected,
            ScimAttributeType.Integer or ScimAttributeType.Decimal => ScimJson.ToDecimal(value) is { } actual
                && LiteralDecimal(literal) is { } expected && Ordered(op, actual.CompareTo(expected)),
            ScimAttributeType.DateTime when op is not (ScimComparisonOperator.Co or ScimComparisonOperator.Sw or ScimComparisonOperator.Ew)
                && ScimJson.ParseDateTime(ScimJson.ToText(value)) is { } actual && ScimJson.ParseDateTime(ScimJson.LiteralText(literal)) is { } expected =>
                Ordered(op, actual.CompareTo(expected)),
            ScimAttributeType.Binary when op is not (ScimComparisonOperator.Eq or ScimComparisonOperator.Co or ScimComparisonOperator.Sw or ScimComparisonOperator.Ew) => false,
            _ => CompareText(ScimJson.ToText(value), ScimJson.LiteralText(literal), op,
                attribute?.CaseExact == true || type == ScimAttributeType.DateTime ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase),
        };
    }

    private static bool CompareText(string? actual, string? expected, ScimComparisonOperator op, StringComparison comparison) =>
        actual is not null && expected is not null && op switch
        {
            ScimComparisonOperator.Co => actual.Contains(expected, comparison),
            ScimComparisonOperator.Sw => actual.StartsWith(expected, comparison),
            ScimComparisonOperator.Ew => actual.EndsWith(expected, comparison),
            _ => Ordered(op, string.Compare(actual, expected, comparison)),
        };

    /// <summary>Applies eq/gt/ge/lt/le to a comparison result; co/sw/ew never hold for non-text values.</summary>
    private static bool Ordered(ScimComparisonOperator op, int comparison) => op switch
    {
        ScimComparisonOperator.Eq => comparison == 0,
        ScimComparisonOperator.Gt => comparison > 0,
        ScimComparisonOperator.Ge => comparison >= 0,
        ScimComparisonOperator.Lt => comparison < 0,
        ScimComparisonOperator.Le => comparison <= 0,
        _ => false,
    };

    private static bool? LiteralBoolean(object? literal) => literal is bool b ? b : ScimJson.ParseBoolean(literal as string);

    private static decimal? LiteralDecimal(object? literal) => literal is decimal d ? d : ScimJson.ParseDecimal(literal as string);
}
