using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Bifrost.Testing;

namespace Bifrost.EndToEndTests;

/// <summary>
/// Issue 4 item 6 / decision a: several providers share one SCIM endpoint, and none can read, change, filter into or
/// count another's users or groups. Four providers, created and enabled through the admin API, run interleaved random
/// SCIM operations from a fixed seed through both gateway replicas; every answer is checked against each provider's
/// own model, and at the end each provider's whole view is compared with it.
/// </summary>
public sealed class IsolationTests(BifrostAppFixture app)
{
    private const int Seed = 20261129;
    private const int Steps = 160;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Model(E2eProvider provider)
    {
        public E2eProvider Provider { get; } = provider;
        public Dictionary<string, string> Users { get; } = [];
        public Dictionary<string, (string Name, HashSet<string> Members)> Groups { get; } = [];
    }

    [Fact]
    public async Task Interleaved_random_operations_of_four_providers_never_cross_provider_boundaries()
    {
        var random = new Random(Seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var models = new List<Model>();
        foreach (var i in Enumerable.Range(0, 4))
        {
            models.Add(new Model(await E2eProvider.CreateAsync(app, $"iso-{run}-{i}")));
        }

        // Every provider starts with a user and a group, so that cross-provider probes always have a target.
        foreach (var model in models)
        {
            await CreateUserAsync(model, run, random);
            await CreateGroupAsync(model, run);
        }

        var counts = new Dictionary<string, int>();
        for (var step = 0; step < Steps; step++)
        {
            var model = models[random.Next(models.Count)];
            var others = models.Where(m => m != model).ToList();
            var other = others[random.Next(others.Count)];
            var operation = random.Next(13);
            counts[$"op{operation}"] = counts.GetValueOrDefault($"op{operation}") + 1;
            var because = $"step {step} (seed {Seed}), operation {operation}";
            switch (operation)
            {
                case 0 or 1:
                    await CreateUserAsync(model, run, random);
                    break;
                case 2:
                    await CreateGroupAsync(model, run);
                    break;
                case 3 when model.Users.Count > 1:
                {
                    var id = Pick(random, model.Users.Keys);
                    var response = await SendAsync(model, HttpMethod.Delete, $"/scim/v2/Users/{id}");
                    Assert.True(response.StatusCode == HttpStatusCode.NoContent, because);
                    model.Users.Remove(id);
                    foreach (var group in model.Groups.Values)
                    {
                        group.Members.Remove(id);
                    }

                    break;
                }

                case 4:
                {
                    // Own and foreign user ids in one member PATCH: only the own ones become members.
                    var groupId = Pick(random, model.Groups.Keys);
                    var own = model.Users.Keys.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
                    var foreign = other.Users.Keys.OrderBy(_ => random.Next()).Take(2).Concat(other.Groups.Keys.Take(1)).ToList();
                    var ids = own.Concat(foreign).OrderBy(_ => random.Next()).ToList();
                    var response = await SendAsync(model, HttpMethod.Patch, $"/scim/v2/Groups/{groupId}", MembersPatch("add", ids));
                    Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, $"{because}: {response.StatusCode}");
                    model.Groups[groupId].Members.UnionWith(own);
                    await AssertGroupAsync(model, groupId, because);
                    break;
                }

                case 5:
                {
                    // Reading, changing or deleting another provider's resources by id: 404, and nothing changes.
                    var userId = Pick(random, other.Users.Keys);
                    var groupId = Pick(random, other.Groups.Keys);
                    Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(model, HttpMethod.Get, $"/scim/v2/Users/{userId}")).StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(model, HttpMethod.Get, $"/scim/v2/Groups/{groupId}")).StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(model, HttpMethod.Patch, $"/scim/v2/Users/{userId}",
                        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}""")).StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(model, HttpMethod.Put, $"/scim/v2/Users/{userId}",
                        $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"hijack-{{Guid.NewGuid():N}}@x.test"}""")).StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(model, HttpMethod.Delete, $"/scim/v2/Users/{userId}")).StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(model, HttpMethod.Patch, $"/scim/v2/Groups/{groupId}",
                        MembersPatch("add", model.Users.Keys.Take(1)))).StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(model, HttpMethod.Delete, $"/scim/v2/Groups/{groupId}")).StatusCode);
                    // The owner still sees them unchanged.
                    var owned = await SendAsync(other, HttpMethod.Get, $"/scim/v2/Users/{userId}");
                    Assert.Equal(HttpStatusCode.OK, owned.StatusCode);
                    var body = (await owned.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
                    Assert.Equal(other.Users[userId], body["userName"]!.GetValue<string>());
                    Assert.True(body["active"]!.GetValue<bool>(), because);
                    await AssertGroupAsync(other, groupId, because);
                    break;
                }

                case 6:
                {
                    // Filtering on another provider's values finds nothing, whatever the attribute.
                    var userId = Pick(random, other.Users.Keys);
                    var userName = other.Users[userId];
                    var groupName = other.Groups[Pick(random, other.Groups.Keys)].Name;
                    // (Only a copy this provider made of the same userName, operation 10, may match.)
                    var prefix = $"iso-{run}-{Index(models, other)}-";
                    await AssertTotalAsync(model, $"/scim/v2/Users?filter={Q($"userName eq \"{userName}\"")}", model.Users.ContainsValue(userName) ? 1 : 0, because);
                    await AssertTotalAsync(model, $"/scim/v2/Users?filter={Q($"id eq \"{userId}\"")}", 0, because);
                    await AssertTotalAsync(model, $"/scim/v2/Users?filter={Q($"userName sw \"{prefix}\"")}",
                        model.Users.Values.Count(n => n.StartsWith(prefix, StringComparison.Ordinal)), because);
                    await AssertTotalAsync(model, $"/scim/v2/Groups?filter={Q($"displayName eq \"{groupName}\"")}", 0, because);
                    await AssertTotalAsync(model, $"/scim/v2/Groups?filter={Q($"members.value eq \"{userId}\"")}", 0, because);
                    await AssertTotalAsync(other, $"/scim/v2/Users?filter={Q($"userName eq \"{userName}\"")}", 1, because);
                    break;
                }

                case 7:
                {
                    // Counts are the provider's own, on both resource types and across the server root.
                    await AssertTotalAsync(model, "/scim/v2/Users?count=0", model.Users.Count, because);
                    await AssertTotalAsync(model, "/scim/v2/Groups?count=0&excludedAttributes=members", model.Groups.Count, because);
                    await AssertTotalAsync(model, $"/scim/v2/Users?filter={Q("userName pr")}&count=0", model.Users.Count, because);
                    break;
                }

                case 8:
                {
                    // POST .search, on /Users and at the root, with a filter matching every provider's users of this run.
                    var search = $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \"iso-{{run}}-\"","count":500}""";
                    var users = await SearchAsync(model, "/scim/v2/Users/.search", search);
                    Assert.Equal(model.Users.Count, users["totalResults"]!.GetValue<int>());
                    Assert.Equal(model.Users.Keys.Order(), users["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order());
                    var root = await SearchAsync(model, "/scim/v2/.search",
                        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":0}""");
                    Assert.Equal(model.Users.Count + model.Groups.Count, root["totalResults"]!.GetValue<int>());
                    break;
                }

                case 9:
                {
                    // Bulk: an own create succeeds; operations on another provider's ids are 404 inside the bulk answer.
                    var userName = $"iso-{run}-{Index(models, model)}-bulk-{Guid.NewGuid():N}@contoso.test";
                    var foreignUser = Pick(random, other.Users.Keys);
                    var foreignGroup = Pick(random, other.Groups.Keys);
                    var patch = MembersPatch("add", ["bulkId:u1"]);
                    var bulk = $$$"""
                        {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
                          {"method":"POST","path":"/Users","bulkId":"u1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{{userName}}}"}},
                          {"method":"DELETE","path":"/Users/{{{foreignUser}}}"},
                          {"method":"PATCH","path":"/Groups/{{{foreignGroup}}}","data":{{{patch}}}}
                        ]}
                        """;
                    var answer = await SearchAsync(model, "/scim/v2/Bulk", bulk);
                    var results = answer["Operations"]!.AsArray();
                    Assert.Equal("201", results[0]!["status"]!.GetValue<string>());
                    Assert.Equal("404", results[1]!["status"]!.GetValue<string>());
                    Assert.Equal("404", results[2]!["status"]!.GetValue<string>());
                    var created = results[0]!["location"]!.GetValue<string>().Split('/')[^1];
                    model.Users[created] = userName;
                    Assert.Equal(HttpStatusCode.OK, (await SendAsync(other, HttpMethod.Get, $"/scim/v2/Users/{foreignUser}")).StatusCode);
                    await AssertGroupAsync(other, foreignGroup, because);
                    break;
                }

                case 10:
                {
                    // Same userName and group name under two providers: separate resources, no uniqueness conflict.
                    var userName = other.Users[Pick(random, other.Users.Keys)];
                    if (!model.Users.ContainsValue(userName))
                    {
                        var response = await SendAsync(model, HttpMethod.Post, "/scim/v2/Users",
                            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}"}""");
                        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                        model.Users[(await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>()] = userName;
                    }

                    break;
                }

                case 11:
                {
                    var groupId = Pick(random, model.Groups.Keys);
                    var group = model.Groups[groupId];
                    if (group.Members.Count > 0)
                    {
                        var removed = Pick(random, group.Members);
                        var response = await SendAsync(model, HttpMethod.Patch, $"/scim/v2/Groups/{groupId}", MembersPatch("remove", [removed]));
                        Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, because);
                        group.Members.Remove(removed);
                    }

                    await AssertGroupAsync(model, groupId, because);
                    break;
                }

                default:
                {
                    var userId = Pick(random, model.Users.Keys);
                    var response = await SendAsync(model, HttpMethod.Patch, $"/scim/v2/Users/{userId}",
                        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Engineer"}]}""");
                    Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, because);
                    break;
                }
            }
        }

        // Final state: each provider sees exactly its own users and groups, and every membership is its own.
        foreach (var model in models)
        {
            var users = await SearchAsync(model, "/scim/v2/Users/.search",
                """{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":1000,"attributes":["userName"]}""");
            Assert.Equal(model.Users.Keys.Order(), users["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order());
            foreach (var groupId in model.Groups.Keys)
            {
                await AssertGroupAsync(model, groupId, "final state");
            }

            await AssertTotalAsync(model, "/scim/v2/Groups?count=0&excludedAttributes=members", model.Groups.Count, "final state");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"isolation: {Steps} steps, {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"))}; " +
            string.Join(", ", models.Select(m => $"{m.Users.Count} users/{m.Groups.Count} groups")));
    }

    private static int Index(List<Model> models, Model model) => models.IndexOf(model);

    private static string Q(string filter) => Uri.EscapeDataString(filter);

    private static T Pick<T>(Random random, IEnumerable<T> items)
    {
        var list = items.ToList();
        return list[random.Next(list.Count)];
    }

    private static string MembersPatch(string op, IEnumerable<string> ids) =>
        $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"{{op}}","path":"members","value":[{{string.Join(",", ids.Select(id => $$"""{"value":"{{id}}"}"""))}}]}]}""";

    private async Task CreateUserAsync(Model model, string run, Random random)
    {
        var userName = $"iso-{run}-{model.Provider.Name[^1]}-{random.Next():x8}-{Guid.NewGuid():N}@contoso.test";
        var response = await SendAsync(model, HttpMethod.Post, "/scim/v2/Users",
            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}","active":true}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        model.Users[(await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>()] = userName;
    }

    private async Task CreateGroupAsync(Model model, string run)
    {
        var name = $"iso-{run}-group-{Guid.NewGuid():N}";
        var response = await SendAsync(model, HttpMethod.Post, "/scim/v2/Groups",
            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"{{name}}"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        model.Groups[(await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>()] = (name, []);
    }

    /// <summary>The group as its provider reads it: members are exactly the model's (never a foreign id).</summary>
    private async Task AssertGroupAsync(Model model, string groupId, string because)
    {
        var response = await SendAsync(model, HttpMethod.Get, $"/scim/v2/Groups/{groupId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        var members = body["members"]?.AsArray().Select(m => m!["value"]!.GetValue<string>()).Order().ToList() ?? [];
        Assert.True(model.Groups[groupId].Members.Order().SequenceEqual(members),
            $"{because}: group {groupId} has members [{string.Join(", ", members)}], expected [{string.Join(", ", model.Groups[groupId].Members.Order())}]");
        Assert.All(members, id => Assert.True(model.Users.ContainsKey(id), $"{because}: member {id} is not one of the provider's users"));
    }

    private async Task AssertTotalAsync(Model model, string path, int expected, string because)
    {
        var response = await SendAsync(model, HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var total = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["totalResults"]!.GetValue<int>();
        Assert.True(expected == total, $"{because}: {path} counted {total}, expected {expected}");
    }

    private async Task<JsonObject> SearchAsync(Model model, string path, string json)
    {
        var response = await SendAsync(model, HttpMethod.Post, path, json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    /// <summary>Alternates the two gateway replicas, so isolation does not depend on which one resolved the token.</summary>
    private int _requests;

    private async Task<HttpResponseMessage> SendAsync(Model model, HttpMethod method, string path, string? json = null)
    {
        var gateway = BifrostAppFixture.Gateways[_requests++ % BifrostAppFixture.Gateways.Length];
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/scim+json");
        }

        var response = await model.Provider.Client(app, gateway).SendAsync(request, Ct);
        await response.Content.LoadIntoBufferAsync(Ct);
        return response;
    }
}

/// <summary>A provider created and SCIM-enabled through the admin API, with its token accepted by every gateway replica.</summary>
internal sealed record E2eProvider(Guid Id, string Name, string Token)
{
    private readonly Dictionary<string, HttpClient> _clients = [];

    public HttpClient Client(BifrostAppFixture app, string gateway = "gateway")
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(gateway, out var client))
            {
                client = app.CreateGatewayClient(Token, gateway);
                _clients[gateway] = client;
            }

            return client;
        }
    }

    public static async Task<E2eProvider> CreateAsync(BifrostAppFixture app, string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = app.Admin();
        var created = await admin.PostAsJsonAsync("/api/providers", new { name, kind = "generic" }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!.GetValue<Guid>();
        var enabled = await admin.PostAsync($"/api/providers/{id}/scim/enable", null, ct);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var provider = new E2eProvider(id, name, (await enabled.Content.ReadFromJsonAsync<JsonObject>(ct))!["token"]!.GetValue<string>());
        foreach (var gateway in BifrostAppFixture.Gateways)
        {
            await Eventually.WaitAsync(
                async () => (await provider.Client(app, gateway).GetAsync("/scim/v2/Users/00000000-0000-0000-0000-000000000000", ct)).StatusCode,
                status => status != HttpStatusCode.Unauthorized,
                TimeSpan.FromSeconds(15),
                $"{gateway} accepts the new provider's token");
        }

        return provider;
    }
}
