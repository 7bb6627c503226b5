namespace Bifrost.Scim;

/// <summary>
/// A parsed attribute path (RFC 7644 §3.10 <c>attrPath</c> and PATCH <c>valuePath</c>):
/// <c>[SchemaUri ":"] AttributeName ["[" ValueFilter "]"] ["." SubAttributeName]</c>.
/// A URN prefix is split at the last colon, so
/// <c>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value</c> has the enterprise URN,
/// attribute <c>manager</c> and sub-attribute <c>value</c>. Paths inside a value filter are relative to the
/// filtered attribute's sub-attributes. Names keep the casing they were written with.
/// </summary>
public sealed record ScimAttributePath(string? SchemaUri, string AttributeName, string? SubAttributeName = null, ScimFilter? ValueFilter = null)
{
    /// <summary>Parses a PATCH path or attribute name; malformed input throws 400 <c>invalidPath</c>.</summary>
    public static ScimAttributePath Parse(string path) => ScimFilterParser.ParsePath(path, ScimErrorType.InvalidPath);

    /// <summary>Canonical text that <see cref="Parse"/> reads back to an equal path.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        Write(builder);
        return builder.ToString();
    }

    internal void Write(StringBuilder builder)
    {
        if (SchemaUri is not null)
        {
            builder.Append(SchemaUri).Append(':');
        }
        builder.Append(AttributeName);
        if (ValueFilter is not null)
        {
            builder.Append('[');
            ValueFilter.Write(builder);
            builder.Append(']');
        }
        if (SubAttributeName is not null)
        {
            builder.Append('.').Append(SubAttributeName);
        }
    }
}
