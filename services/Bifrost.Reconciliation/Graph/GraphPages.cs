using Microsoft.Graph;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;

namespace Bifrost.Reconciliation.Graph;

/// <summary>
/// The collections a reconciliation reads (users, groups, app role assignments, group members) are requested with the
/// SDK's request builders and sent through its request adapter (auth, retry with <c>Retry-After</c>, redirects,
/// <c>ODataError</c> on failure), but read into the small models below rather than the SDK's own. The SDK's models
/// build a deserializer table of every property of the type for each object read (a <c>User</c> has hundreds), and
/// keep each value in a backing store: at 100k users and 717k memberships that was most of the run's CPU.
/// </summary>
internal static class GraphPages
{
    private static readonly Dictionary<string, ParsableFactory<IParsable>> ErrorMapping = new()
    {
        ["XXX"] = ODataError.CreateFromDiscriminatorValue,
    };

    /// <summary>Sends <paramref name="request"/> and reads one page of <typeparamref name="T"/>.</summary>
    public static Task<GraphPage<T>?> GetPageAsync<T>(this GraphServiceClient graph, RequestInformation request, CancellationToken cancellationToken)
        where T : class, IParsable, new() =>
        graph.RequestAdapter.SendAsync(request, _ => new GraphPage<T>(), ErrorMapping, cancellationToken);

    /// <summary>
    /// Every page from <paramref name="first"/> on, following <c>@odata.nextLink</c> (built by <paramref name="next"/>);
    /// only the current page is held.
    /// </summary>
    public static async Task ForEachPageAsync<T>(
        this GraphServiceClient graph, RequestInformation first, Func<string, RequestInformation> next, Func<List<T>, Task> onPage,
        CancellationToken cancellationToken)
        where T : class, IParsable, new()
    {
        var request = first;
        while (await graph.GetPageAsync<T>(request, cancellationToken) is { } page)
        {
            await onPage(page.Value);
            if (page.NextLink is not { Length: > 0 } link)
            {
                return;
            }

            request = next(link);
        }
    }

    /// <summary>Property deserializers without a table per type: only the handful of properties the run reads.</summary>
    internal static IDictionary<string, Action<IParseNode>> Fields(params (string Name, Action<IParseNode> Read)[] fields)
    {
        var table = new Dictionary<string, Action<IParseNode>>(fields.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, read) in fields)
        {
            table[name] = read;
        }

        return table;
    }
}

/// <summary>One page of a Graph collection: its <c>value</c> and <c>@odata.nextLink</c>; other properties are skipped.</summary>
internal sealed class GraphPage<T> : IParsable where T : class, IParsable, new()
{
    public List<T> Value { get; private set; } = [];

    public string? NextLink { get; private set; }

    public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => GraphPages.Fields(
        ("value", n => Value = n.GetCollectionOfObjectValues(_ => new T())?.ToList() ?? []),
        ("@odata.nextLink", n => NextLink = n.GetStringValue()));

    public void Serialize(ISerializationWriter writer) => throw new NotSupportedException("A Graph page is only read.");
}

/// <summary>A group member (<c>$select=id</c>): its id and <c>@odata.type</c>.</summary>
internal sealed class GraphMember : IParsable
{
    public string? Id { get; private set; }

    public string? OdataType { get; private set; }

    /// <summary>
    /// The member's id when it is a user, else null: nested groups, devices and contacts are not provisioned (Graph
    /// names the type of every member).
    /// </summary>
    public Guid? UserId => OdataType is null or "#microsoft.graph.user" && Guid.TryParse(Id, out var id) ? id : null;

    public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => GraphPages.Fields(
        ("id", n => Id = n.GetStringValue()),
        ("@odata.type", n => OdataType = n.GetStringValue()));

    public void Serialize(ISerializationWriter writer) => throw new NotSupportedException("A member is only read.");
}

/// <summary>A group (<c>$select=id,displayName</c>).</summary>
internal sealed class GraphGroup : IParsable
{
    public string? Id { get; private set; }

    public string? DisplayName { get; private set; }

    public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => GraphPages.Fields(
        ("id", n => Id = n.GetStringValue()),
        ("displayName", n => DisplayName = n.GetStringValue()));

    public void Serialize(ISerializationWriter writer) => throw new NotSupportedException("A group is only read.");
}

/// <summary>An app role assignment to the enterprise app: who is assigned (a user or a group).</summary>
internal sealed class GraphAssignment : IParsable
{
    public Guid? PrincipalId { get; private set; }

    public string? PrincipalType { get; private set; }

    public bool IsGroup => string.Equals(PrincipalType, "Group", StringComparison.OrdinalIgnoreCase);

    public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => GraphPages.Fields(
        ("principalId", n => PrincipalId = n.GetGuidValue()),
        ("principalType", n => PrincipalType = n.GetStringValue()));

    public void Serialize(ISerializationWriter writer) => throw new NotSupportedException("An assignment is only read.");
}

/// <summary>A user with the properties Entra's default mappings read (<see cref="Services.ScimUserShape.GraphSelect"/>).</summary>
internal sealed class GraphUser : IParsable
{
    public string? Id { get; set; }

    public string? UserPrincipalName { get; set; }

    public string? MailNickname { get; set; }

    public string? DisplayName { get; set; }

    public string? GivenName { get; set; }

    public string? Surname { get; set; }

    public string? Mail { get; set; }

    public string? JobTitle { get; set; }

    public string? Department { get; set; }

    public string? EmployeeId { get; set; }

    public bool? AccountEnabled { get; set; }

    public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => GraphPages.Fields(
        ("id", n => Id = n.GetStringValue()),
        ("userPrincipalName", n => UserPrincipalName = n.GetStringValue()),
        ("mailNickname", n => MailNickname = n.GetStringValue()),
        ("displayName", n => DisplayName = n.GetStringValue()),
        ("givenName", n => GivenName = n.GetStringValue()),
        ("surname", n => Surname = n.GetStringValue()),
        ("mail", n => Mail = n.GetStringValue()),
        ("jobTitle", n => JobTitle = n.GetStringValue()),
        ("department", n => Department = n.GetStringValue()),
        ("employeeId", n => EmployeeId = n.GetStringValue()),
        ("accountEnabled", n => AccountEnabled = n.GetBoolValue()));

    public void Serialize(ISerializationWriter writer) => throw new NotSupportedException("A user is only read.");
}
