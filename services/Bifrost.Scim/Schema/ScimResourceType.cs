namespace Bifrost.Scim;

/// <summary>A resource type (RFC 7643 §6): its name, endpoint and schema (which carries the extensions).</summary>
public sealed record ScimResourceType(string Name, string Endpoint, string Description, ScimSchema Schema)
{
    public static ScimResourceType User { get; } = new("User", "/Users", "User Account", ScimSchemas.User);
    public static ScimResourceType Group { get; } = new("Group", "/Groups", "Group", ScimSchemas.Group);

    /// <summary>Every resource type served by <c>/ResourceTypes</c>.</summary>
    public static IReadOnlyList<ScimResourceType> All { get; } = [User, Group];

    /// <summary>The resource type with this name (case-insensitive), or null.</summary>
    public static ScimResourceType? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
