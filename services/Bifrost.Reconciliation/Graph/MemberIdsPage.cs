using Microsoft.Graph;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;

namespace Bifrost.Reconciliation.Graph;

/// <summary>
/// A page of a group's members as ids only: the page <c>GET /groups/{id}/members?$select=id</c> answers, read through the
/// SDK's request adapter (its auth, retry, throttling and redirect handlers) into this small model rather than the
/// SDK's <c>DirectoryObjectCollectionResponse</c>. That one turns each member into a full <c>User</c>, building a
/// deserializer table of every user property per member: at 100k users and 7,500 assigned groups it was most of the
/// reconciliation's own CPU.
/// </summary>
internal sealed class MemberIdsPage : IParsable
{
    private static readonly Dictionary<string, ParsableFactory<IParsable>> ErrorMapping = new()
    {
        ["XXX"] = Microsoft.Graph.Models.ODataErrors.ODataError.CreateFromDiscriminatorValue,
    };

    public List<Member> Value { get; private set; } = [];

    public string? NextLink { get; private set; }

    /// <summary>The ids of the page's users (nested groups, devices and contacts are not provisioned).</summary>
    public IEnumerable<Guid> UserIds()
    {
        foreach (var member in Value)
        {
            if (member.OdataType is null or "#microsoft.graph.user" && Guid.TryParse(member.Id, out var id))
            {
                yield return id;
            }
        }
    }

    /// <summary>The first page of <paramref name="group"/>'s members (<paramref name="nextLink"/> null) or the next one.</summary>
    public static Task<MemberIdsPage?> GetAsync(GraphServiceClient graph, Guid group, string? nextLink, int top, CancellationToken cancellationToken)
    {
        var members = graph.Groups[group.ToString()].Members;
        var request = nextLink is null
            ? members.ToGetRequestInformation(r =>
            {
                r.QueryParameters.Select = ["id"];
                r.QueryParameters.Top = top;
            })
            : members.WithUrl(nextLink).ToGetRequestInformation();
        return graph.RequestAdapter.SendAsync(request, _ => new MemberIdsPage(), ErrorMapping, cancellationToken);
    }

    public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => new Dictionary<string, Action<IParseNode>>(2)
    {
        ["value"] = n => Value = n.GetCollectionOfObjectValues(_ => new Member())?.ToList() ?? [],
        ["@odata.nextLink"] = n => NextLink = n.GetStringValue(),
    };

    public void Serialize(ISerializationWriter writer) => throw new NotSupportedException("A member page is only read.");

    /// <summary>One member: its id and its <c>@odata.type</c>.</summary>
    internal sealed class Member : IParsable
    {
        public string? Id { get; private set; }

        public string? OdataType { get; private set; }

        public IDictionary<string, Action<IParseNode>> GetFieldDeserializers() => new Dictionary<string, Action<IParseNode>>(2)
        {
            ["id"] = n => Id = n.GetStringValue(),
            ["@odata.type"] = n => OdataType = n.GetStringValue(),
        };

        public void Serialize(ISerializationWriter writer) => throw new NotSupportedException("A member is only read.");
    }
}
