using System.Net;
using System.Text.Json.Nodes;
using Bifrost.Ingestion.Scim;
using Bifrost.Ingestion.Services;
using Microsoft.Extensions.DependencyInjection;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>
/// Entra's matching query (<c>userName eq</c>) under concurrency: lookups that arrive together are read together, and
/// each still gets its own answer, for its own provider.
/// </summary>
public sealed class ScimUserLookupTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    [Fact]
    public async Task Concurrent_userName_lookups_each_get_their_own_user_with_its_groups_and_only_from_their_provider()
    {
        var provider = Guid.NewGuid();
        var client = fixture.CreateScimClient(provider);
        var otherClient = fixture.CreateScimClient(Guid.NewGuid());
        var names = Enumerable.Range(0, 24).Select(i => UniqueName($"lookup{i}")).ToList();
        var ids = new Dictionary<string, string>();
        foreach (var name in names)
        {
            ids[name] = await client.CreateUserAsync(name);
        }

        var groupName = $"Lookup group {Guid.NewGuid():N}";
        var groupId = await client.CreateGroupAsync(groupName, $$""","members":[{"value":"{{ids[names[0]]}}"}]""");
        var otherOnly = UniqueName("other");
        await otherClient.CreateUserAsync(otherOnly);

        // Every name in another case (userName is case-insensitive), one name three times, a name nobody has, a name
        // only the other provider has, and one of this provider's names asked by the other provider.
        List<(HttpClient Client, string Name, string? Expected)> lookups =
        [
            .. names.Select(n => (client, n.ToUpperInvariant(), (string?)n)),
            (client, names[1], names[1]),
            (client, names[1], names[1]),
            (client, UniqueName("nobody"), null),
            (client, otherOnly, null),
            (otherClient, names[2], null),
        ];

        var answers = await Task.WhenAll(lookups.Select(l => l.Client.GetScimAsync($"/scim/v2/Users?filter={Query($"userName eq \"{l.Name}\"")}")));

        for (var i = 0; i < lookups.Count; i++)
        {
            var (_, name, expected) = lookups[i];
            var answer = answers[i];
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            if (expected is null)
            {
                Assert.Equal(0, answer.TotalResults);
                Assert.Empty(answer.Resources);
                continue;
            }

            Assert.Equal(1, answer.TotalResults);
            var user = Assert.Single(answer.Resources)!;
            Assert.Equal(ids[expected], user["id"]!.GetValue<string>());
            Assert.Equal(expected, user["userName"]!.GetValue<string>());
            Assert.EndsWith($"/scim/v2/Users/{ids[expected]}", user["meta"]!["location"]!.GetValue<string>(), StringComparison.Ordinal);
            if (expected == names[0])
            {
                var group = Assert.Single(user["groups"]!.AsArray())!;
                Assert.Equal(groupId, group["value"]!.GetValue<string>());
                Assert.Equal(groupName, group["display"]!.GetValue<string>());
            }
            else
            {
                Assert.Null(user["groups"]);
            }
        }

        // The three answers for one name are equal, and none shares its nodes with another.
        var repeated = Enumerable.Range(0, lookups.Count).Where(i => lookups[i].Expected == names[1]).Select(i => answers[i].Resources[0]!).ToList();
        Assert.Equal(3, repeated.Count);
        Assert.All(repeated, r => Assert.True(JsonNode.DeepEquals(repeated[0], r)));
    }

    [Fact]
    public async Task Lookups_queued_together_are_read_by_a_few_queries_on_the_userName_index()
    {
        var provider = Guid.NewGuid();
        var client = fixture.CreateScimClient(provider);
        var names = Enumerable.Range(0, 8).Select(i => UniqueName($"batched{i}")).ToList();
        var ids = new List<string>();
        foreach (var name in names)
        {
            ids.Add(await client.CreateUserAsync(name));
        }

        var lookups = fixture.Services.GetRequiredService<ScimUserLookupBatcher>();
        fixture.Commands.Clear();
        var pending = Enumerable.Range(0, 64)
            .Select(i => lookups.FindAsync(provider, ScimKeys.Fold(i % 10 < 8 ? names[i % 10] : UniqueName("missing")), TestContext.Current.CancellationToken))
            .ToList();
        var found = await Task.WhenAll(pending);

        for (var i = 0; i < found.Length; i++)
        {
            if (i % 10 < 8)
            {
                Assert.Equal(ids[i % 10], Assert.Single(found[i]).Row.Id.ToString());
            }
            else
            {
                Assert.Empty(found[i]);
            }
        }

        var reads = fixture.Commands.Texts().Where(t => t.Contains("user_name_key = ANY", StringComparison.Ordinal)).ToList();
        Assert.InRange(reads.Count, 1, 8); // 64 lookups queued at once: a handful of batches, not one query each
    }
}
