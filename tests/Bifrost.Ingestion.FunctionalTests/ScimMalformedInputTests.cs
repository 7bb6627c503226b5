using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>
/// Generated hostile input through the HTTP endpoints: truncated and mutated filters, PATCH bodies, create bodies and
/// query parameters. Every answer is a success or a 4xx SCIM error, never a 5xx, and a failed write changes nothing.
/// </summary>
public sealed class ScimMalformedInputTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private const string Noise = "\"()[]\\ .:,{}$-_aeqnotrpAND0119\u00e9\t\u0000\ud800";

    private readonly HttpClient _client = fixture.CreateScimClient(Guid.NewGuid());

    private static readonly string[] Filters =
    [
        "userName eq \"bjensen\"",
        "emails[type eq \"work\"].value eq \"user@contoso.com\"",
        "id eq \"2819c223-7f76-453a-919d-413861904646\" and manager eq \"26118915\"",
        "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
        "meta.lastModified gt \"2011-05-13T04:42:34Z\" and active eq TRUE",
        "members[value eq \"a\"] and (title pr or externalId eq jyoung)",
        "groups.value eq \"x\" or displayName sw \"A\"",
    ];

    private static readonly string[] UserPatches =
    [
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}""",
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}""",
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://x/Users/1","value":"1"}]},{"op":"Replace","path":"active","value":"False"}]}""",
    ];

    private static readonly string[] GroupPatches =
    [
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]},{"op":"Replace","path":"displayName","value":"x"}]}""",
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"7f4b\"]"},{"op":"Remove","path":"members","value":[{"value":"u1091"}]}]}""",
    ];

    private const string CreateBody =
        """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"jyoung","userName":"USERNAME","active":true,"emails":[{"type":"work","value":"jyoung@Contoso.com","primary":true}],"name":{"familyName":"Young","givenName":"Joy"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m","employeeNumber":"1"}}""";

    /// <summary>Prefixes, single deletions and random insertions/replacements (deterministic).</summary>
    private static IEnumerable<string> Mutations(string text, int seed, int random, int step = 1)
    {
        for (var i = 0; i < text.Length; i += step)
        {
            yield return text[..i];
            yield return text.Remove(i, 1);
        }

        var rng = new Random(seed);
        for (var i = 0; i < random; i++)
        {
            var position = rng.Next(text.Length);
            var c = Noise[rng.Next(Noise.Length)].ToString();
            yield return rng.Next(2) == 0 ? text.Insert(position, c) : text.Remove(position, 1).Insert(position, c);
        }
    }

    private static void AssertNoServerError(ScimResponse response, string input)
    {
        Assert.True((int)response.Status < 500, $"{(int)response.Status} for: {input}\n{response.Body}");
        if ((int)response.Status >= 400)
        {
            Assert.Equal("application/scim+json", response.ContentType);
            Assert.Equal(((int)response.Status).ToString(System.Globalization.CultureInfo.InvariantCulture), response.Body?["status"]?.GetValue<string>());
            if (response.Status == HttpStatusCode.BadRequest)
            {
                Assert.NotNull(response.Body!["scimType"]);
            }
        }
    }

    [Fact]
    public async Task Mutated_filters_answer_200_or_400_invalidFilter()
    {
        var count = 0;
        foreach (var (filter, index) in Filters.Select((f, i) => (f, i)))
        {
            foreach (var text in Mutations(filter, index, 60, step: 3).Distinct())
            {
                var response = await _client.GetScimAsync($"/scim/v2/{(index % 2 == 0 ? "Users" : "Groups")}?filter={Uri.EscapeDataString(text)}");
                AssertNoServerError(response, text);
                count++;
            }
        }

        Assert.True(count > 300, $"only {count} filters tried");
    }

    [Fact]
    public async Task Mutated_patch_bodies_never_fail_with_5xx_and_failures_change_nothing()
    {
        var userId = await _client.CreateUserAsync(UniqueName(), ""","emails":[{"type":"work","value":"w@x.test"}],"name":{"givenName":"g"}""");
        var groupId = await _client.CreateGroupAsync($"g-{Guid.NewGuid():N}");
        var count = 0;
        foreach (var (body, index) in UserPatches.Select((b, i) => (b, i)).Concat(GroupPatches.Select((b, i) => (b, i + 10))))
        {
            var path = index < 10 ? $"/scim/v2/Users/{userId}" : $"/scim/v2/Groups/{groupId}";
            foreach (var text in Mutations(body, index, 40, step: 7).Distinct())
            {
                var version = await VersionAsync(index < 10, index < 10 ? userId : groupId);
                var response = await _client.PatchScimAsync(path, text);
                AssertNoServerError(response, text);
                if ((int)response.Status >= 400)
                {
                    Assert.Equal(version, await VersionAsync(index < 10, index < 10 ? userId : groupId));
                }

                count++;
            }
        }

        Assert.True(count > 200, $"only {count} bodies tried");
    }

    [Fact]
    public async Task Mutated_create_bodies_and_query_parameters_never_fail_with_5xx()
    {
        var count = 0;
        foreach (var text in Mutations(CreateBody, 7, 80, step: 5).Distinct())
        {
            var response = await _client.PostScimAsync(count % 2 == 0 ? "/scim/v2/Users" : "/scim/v2/Groups",
                text.Replace("USERNAME", UniqueName(), StringComparison.Ordinal));
            AssertNoServerError(response, text);
            count++;
        }

        foreach (var parameter in new[] { "attributes", "excludedAttributes", "sortBy", "startIndex", "count", "sortOrder" })
        {
            foreach (var text in Mutations("emails[type eq \"work\"].value,name.givenName", 3, 10, step: 4))
            {
                var response = await _client.GetScimAsync($"/scim/v2/Users?{parameter}={Uri.EscapeDataString(text)}");
                AssertNoServerError(response, $"{parameter}={text}");
                count++;
            }
        }

        foreach (var text in new[] { "", "   ", "null", "[]", "\"x\"", "{", "{\"userName\":\"a\u0000b\"}", "{\"userName\":\"\\u0000\"}", "{\"userName\":\"\\ud800\"}",
                     "{\"userName\":\"" + new string('x', 5000) + "\"}", "{\"userName\":123}", "{\"userName\":{\"a\":1}}", "{\"userName\":\"ok\",\"emails\":\"x\"}",
                     "{\"userName\":\"ok2\",\"emails\":[{\"value\":\"a\",\"primary\":true},{\"value\":\"b\",\"primary\":true}]}", "{\"userName\":\"ok3\",\"active\":\"maybe\"}" })
        {
            AssertNoServerError(await _client.PostScimAsync("/scim/v2/Users", text), text);
            AssertNoServerError(await _client.PostScimAsync("/scim/v2/Users/.search", text), text);
            AssertNoServerError(await _client.PostScimAsync("/scim/v2/Bulk", text), text);
            count += 3;
        }

        Assert.True(count > 150, $"only {count} inputs tried");
    }

    [Fact]
    public async Task Nul_characters_in_values_are_400_not_500()
    {
        var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/scim/v2/Users")
        {
            Content = new StringContent("{\"userName\":\"nul\\u0000name\"}", Encoding.UTF8, "application/scim+json"),
        }, TestContext.Current.CancellationToken);
        var filter = await _client.GetScimAsync($"/scim/v2/Users?filter={Uri.EscapeDataString("userName eq \"a\u0000b\"")}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(filter.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest, filter.Status.ToString());
    }

    private Task<long> VersionAsync(bool user, string id) => fixture.WithDbAsync(db => user
        ? db.Users.Where(u => u.Id == Guid.Parse(id)).Select(u => u.Version).SingleAsync(TestContext.Current.CancellationToken)
        : db.Groups.Where(g => g.Id == Guid.Parse(id)).Select(g => g.Version).SingleAsync(TestContext.Current.CancellationToken));
}
