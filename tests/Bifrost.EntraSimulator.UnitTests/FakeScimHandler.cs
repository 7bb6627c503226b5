using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Bifrost.EntraSimulator.UnitTests;

/// <summary>
/// An in-memory SCIM endpoint for unit tests only: answers userName / displayName filters, creates, and member PATCHes,
/// records every request, and can answer the first N requests with 429 + Retry-After.
/// </summary>
internal sealed class FakeScimHandler : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, JsonObject> _users = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, JsonObject> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _members = new();
    private int _throttle;

    public ConcurrentQueue<(HttpMethod Method, string PathAndQuery, string? Body, string? Authorization)> Requests { get; } = new();

    public int UserCount => _users.Count;

    public int GroupCount => _groups.Count;

    public int MemberCount => _members.Values.Sum(m => m.Count);

    public void ThrottleNext(int requests) => _throttle = requests;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var uri = request.RequestUri!;
        Requests.Enqueue((request.Method, uri.PathAndQuery, body, request.Headers.Authorization?.ToString()));
        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            var throttled = Answer(HttpStatusCode.TooManyRequests, new JsonObject { ["status"] = "429" });
            throttled.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromMilliseconds(1));
            return throttled;
        }

        var path = uri.AbsolutePath;
        if (request.Method == HttpMethod.Get)
        {
            var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
            var value = query["filter"]!.Split('"')[1];
            var found = path.EndsWith("/Users", StringComparison.Ordinal)
                ? _users.TryGetValue(value, out var user) ? user : null
                : _groups.Values.FirstOrDefault(g => g["displayName"]!.GetValue<string>() == value);
            return Answer(HttpStatusCode.OK, new JsonObject
            {
                ["totalResults"] = found is null ? 0 : 1,
                ["Resources"] = found is null ? new JsonArray() : new JsonArray(found.DeepClone()),
            });
        }

        var json = JsonNode.Parse(body!)!.AsObject();
        if (request.Method == HttpMethod.Post)
        {
            var id = Guid.NewGuid().ToString();
            json["id"] = id;
            if (path.EndsWith("/Users", StringComparison.Ordinal))
            {
                _users[json["userName"]!.GetValue<string>()] = json;
            }
            else
            {
                _groups[id] = json;
            }

            return Answer(HttpStatusCode.Created, json);
        }

        var groupId = path.Split('/')[^1];
        if (path.Contains("/Groups/", StringComparison.Ordinal))
        {
            var members = _members.GetOrAdd(groupId, _ => new());
            foreach (var op in json["Operations"]!.AsArray())
            {
                foreach (var member in op!["value"]!.AsArray())
                {
                    var memberId = member!["value"]!.GetValue<string>();
                    if (op["op"]!.GetValue<string>() == "Add")
                    {
                        members[memberId] = true;
                    }
                    else
                    {
                        members.TryRemove(memberId, out _);
                    }
                }
            }

            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }

        return Answer(HttpStatusCode.OK, new JsonObject());
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, JsonObject body) =>
        new(status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/scim+json") };
}
