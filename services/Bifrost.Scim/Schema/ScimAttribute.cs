namespace Bifrost.Scim;

/// <summary>Attribute data types of RFC 7643 §2.3.</summary>
public enum ScimAttributeType
{
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// <summary>The <c>mutability</c> characteristic of RFC 7643 §7.</summary>
public enum ScimMutability
{
    ReadWrite,
    ReadOnly,
    Immutable,
    WriteOnly,
}

/// <summary>The <c>returned</c> characteristic of RFC 7643 §7.</summary>
public enum ScimReturned
{
    Default,
    Always,
    Never,
    Request,
}

/// <summary>The <c>uniqueness</c> characteristic of RFC 7643 §7.</summary>
public enum ScimUniqueness
{
    None,
    Server,
    Global,
}

/// <summary>An attribute definition (RFC 7643 §7). Defaults follow RFC 7643 §2.2.</summary>
public sealed record ScimAttribute
{
    public required string Name { get; init; }
    public ScimAttributeType Type { get; init; } = ScimAttributeType.String;
    public bool MultiValued { get; init; }
    public string Description { get; init; } = "";
    public bool Required { get; init; }
    public bool CaseExact { get; init; }
    public ScimMutability Mutability { get; init; } = ScimMutability.ReadWrite;
    public ScimReturned Returned { get; init; } = ScimReturned.Default;
    public ScimUniqueness Uniqueness { get; init; } = ScimUniqueness.None;
    public IReadOnlyList<string> CanonicalValues { get; init; } = [];
    public IReadOnlyList<string> ReferenceTypes { get; init; } = [];
    public IReadOnlyList<ScimAttribute> SubAttributes { get; init; } = [];

    /// <summary>The sub-attribute with this name, compared case-insensitively.</summary>
    public ScimAttribute? FindSubAttribute(string name)
    {
        foreach (var sub in SubAttributes)
        {
            if (string.Equals(sub.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return sub;
            }
        }
        return null;
    }
}
