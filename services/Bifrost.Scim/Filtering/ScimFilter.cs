namespace Bifrost.Scim;

/// <summary>Comparison operators of RFC 7644 §3.4.2.2.</summary>
public enum ScimComparisonOperator
{
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

public enum ScimLogicalOperator
{
    And,
    Or,
}

/// <summary>
/// An immutable filter AST (RFC 7644 §3.4.2.2). Records compare structurally; <see cref="ToString"/> renders
/// canonical filter text that <see cref="Parse"/> reads back to an equal AST.
/// </summary>
public abstract record ScimFilter
{
    /// <summary>Longest filter or path accepted, in characters.</summary>
    public const int MaxLength = 4096;

    /// <summary>Deepest nesting of parentheses, <c>not (…)</c> and value filters accepted.</summary>
    public const int MaxDepth = 32;

    /// <summary>Parses a filter; malformed input throws 400 <c>invalidFilter</c> with the position in the detail.</summary>
    public static ScimFilter Parse(string filter) => ScimFilterParser.Parse(filter, ScimErrorType.InvalidFilter);

    public sealed override string ToString()
    {
        var builder = new StringBuilder();
        Write(builder);
        return builder.ToString();
    }

    /// <summary>Binding strength when rendering: or = 1, and = 2, everything else = 3.</summary>
    private protected virtual int Precedence => 3;

    internal abstract void Write(StringBuilder builder);

    private protected static void WriteOperand(StringBuilder builder, ScimFilter operand, bool parenthesize)
    {
        if (parenthesize)
        {
            builder.Append('(');
        }
        operand.Write(builder);
        if (parenthesize)
        {
            builder.Append(')');
        }
    }

    private protected static int PrecedenceOf(ScimFilter filter) => filter.Precedence;
}

/// <summary>
/// <c>attrPath op value</c>. <see cref="Value"/> is a <see cref="string"/>, <see cref="bool"/>,
/// <see cref="decimal"/> or null; other numeric types are converted to <see cref="decimal"/>. Dates are strings.
/// </summary>
public sealed record ScimComparisonFilter(ScimAttributePath Path, ScimComparisonOperator Operator, object? Value) : ScimFilter
{
    public object? Value { get; init; } = NormalizeLiteral(Value);

    internal override void Write(StringBuilder builder)
    {
        Path.Write(builder);
        builder.Append(' ').Append(OperatorText(Operator)).Append(' ');
        WriteLiteral(builder, Value);
    }

    internal static string OperatorText(ScimComparisonOperator op) => op switch
    {
        ScimComparisonOperator.Eq => "eq",
        ScimComparisonOperator.Ne => "ne",
        ScimComparisonOperator.Co => "co",
        ScimComparisonOperator.Sw => "sw",
        ScimComparisonOperator.Ew => "ew",
        ScimComparisonOperator.Gt => "gt",
        ScimComparisonOperator.Ge => "ge",
        ScimComparisonOperator.Lt => "lt",
        _ => "le",
    };

    private static object? NormalizeLiteral(object? value) => value switch
    {
        null or string or bool or decimal => value,
        int or long or short or byte or uint or ulong or ushort or sbyte or float or double =>
            Convert.ToDecimal(value, CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"A filter value must be a string, bool, number or null, not {value.GetType().Name}.", nameof(value)),
    };

    private static void WriteLiteral(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                break;
            case bool b:
                builder.Append(b ? "true" : "false");
                break;
            case decimal d:
                builder.Append(d.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                WriteString(builder, (string)value);
                break;
        }
    }

    private static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }
        builder.Append('"');
    }
}

/// <summary><c>attrPath pr</c>: the attribute has a non-empty value.</summary>
public sealed record ScimPresentFilter(ScimAttributePath Path) : ScimFilter
{
    internal override void Write(StringBuilder builder)
    {
        Path.Write(builder);
        builder.Append(" pr");
    }
}

/// <summary>
/// A standalone value path such as <c>members[value eq "id"]</c>: some element of the multi-valued attribute
/// matches <see cref="ScimAttributePath.ValueFilter"/> (never null here).
/// </summary>
public sealed record ScimValuePathFilter : ScimFilter
{
    public ScimValuePathFilter(ScimAttributePath path)
    {
        if (path.ValueFilter is null)
        {
            throw new ArgumentException("A value path filter needs a path with a value filter.", nameof(path));
        }
        Path = path;
    }

    public ScimAttributePath Path { get; }

    internal override void Write(StringBuilder builder) => Path.Write(builder);
}

/// <summary><c>left and right</c> / <c>left or right</c>; chains are left-associative.</summary>
public sealed record ScimLogicalFilter(ScimLogicalOperator Operator, ScimFilter Left, ScimFilter Right) : ScimFilter
{
    private protected override int Precedence => Operator == ScimLogicalOperator.And ? 2 : 1;

    internal override void Write(StringBuilder builder)
    {
        WriteOperand(builder, Left, PrecedenceOf(Left) < Precedence);
        builder.Append(Operator == ScimLogicalOperator.And ? " and " : " or ");
        WriteOperand(builder, Right, PrecedenceOf(Right) <= Precedence);
    }
}

/// <summary><c>not (filter)</c>.</summary>
public sealed record ScimNotFilter(ScimFilter Filter) : ScimFilter
{
    internal override void Write(StringBuilder builder)
    {
        builder.Append("not ");
        WriteOperand(builder, Filter, parenthesize: true);
    }
}
