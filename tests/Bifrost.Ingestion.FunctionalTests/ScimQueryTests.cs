using System.Net;
using System.Text.Json.Nodes;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>Queries: pagination, sorting, projections, filters the indexes cannot answer alone, and <c>.search</c>.</summary>
public sealed class ScimQueryTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private readonly HttpClient _client = fixture.CreateScimClient(Guid.NewGuid());

    private static List<string> Names(ScimResponse response) => [.. response.Resources.Select(r => r!["userName"]!.GetValue<string>())];

    private async Task<List<string>> SeedAsync(int count)
    {
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var name = $"u{i:D2}@x.test";
            names.Add(name);
            await _client.CreateUserAsync(name, $$""","title":"{{(i % 2 == 0 ? "Even" : "Odd")}}","name":{"familyName":"F{{(count - i):D2}}"},"emails":[{"type":"work","value":"w{{i}}@x.test"}]""");
        }

        return names;
    }

    [Fact]
    public async Task Pages_echo_startIndex_and_cover_every_user_once()
    {
        var names = await SeedAsync(12);

        var page1 = await _client.GetScimAsync("/scim/v2/Users?startIndex=1&count=5");
        var page2 = await _client.GetScimAsync("/scim/v2/Users?startIndex=6&count=5");
        var page3 = await _client.GetScimAsync("/scim/v2/Users?startIndex=11&count=5");
        var beyond = await _client.GetScimAsync("/scim/v2/Users?startIndex=40&count=5");
        var countOnly = await _client.GetScimAsync("/scim/v2/Users?count=0");
        var clamped = await _client.GetScimAsync("/scim/v2/Users?startIndex=-3&count=100000");

        Assert.Equal([1, 6, 11], new[] { page1, page2, page3 }.Select(p => p.Body!["startIndex"]!.GetValue<int>()));
        Assert.All([page1, page2, page3, beyond, countOnly], p => Assert.Equal(12, p.TotalResults));
        Assert.Equal([5, 5, 2], new[] { page1, page2, page3 }.Select(p => p.Body!["itemsPerPage"]!.GetValue<int>()));
        Assert.Equal(names, Names(page1).Concat(Names(page2)).Concat(Names(page3)));
        Assert.Empty(beyond.Resources);
        Assert.Empty(countOnly.Resources);
        Assert.Equal(1, clamped.Body!["startIndex"]!.GetValue<int>());
        Assert.Equal(12, clamped.Resources.Count);
    }

    [Fact]
    public async Task Sorting_by_a_column_and_by_a_resource_attribute_in_both_orders()
    {
        var names = await SeedAsync(6);

        var byUserNameDesc = await _client.GetScimAsync("/scim/v2/Users?sortBy=userName&sortOrder=descending");
        var byFamilyName = await _client.GetScimAsync("/scim/v2/Users?sortBy=name.familyName");
        var byFamilyNameDescPaged = await _client.GetScimAsync("/scim/v2/Users?sortBy=name.familyName&sortOrder=DESCENDING&startIndex=2&count=2");
        var byCreated = await _client.GetScimAsync("/scim/v2/Users?sortBy=meta.created");

        Assert.Equal(names.AsEnumerable().Reverse(), Names(byUserNameDesc));
        Assert.Equal(names.AsEnumerable().Reverse(), Names(byFamilyName));
        Assert.Equal(names.Skip(1).Take(2), Names(byFamilyNameDescPaged));
        Assert.Equal(6, byFamilyNameDescPaged.TotalResults);
        Assert.Equal(names, Names(byCreated));
    }

    [Fact]
    public async Task Filters_outside_the_indexes_are_evaluated_correctly()
    {
        var names = await SeedAsync(6);

        var title = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("title eq \"odd\"")}");
        var orMixed = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("userName eq \"u00@x.test\" or name.familyName sw \"F01\"")}");
        var notTitle = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("not (title eq \"Odd\") and userName sw \"U0\"")}&count=2");
        var present = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("nickName pr")}");
        var grouped = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("(title eq \"Even\" or title eq \"Odd\") and emails co \"w3@\"")}");
        var created = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"meta.created gt \"{DateTimeOffset.UtcNow.AddHours(-1):O}\" and meta.lastModified le \"{DateTimeOffset.UtcNow.AddHours(1):O}\"")}");
        var userNameOps = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("userName ew \"5@X.TEST\" or userName co \"04@\" or userName gt \"u05\"")}");

        Assert.Equal([names[1], names[3], names[5]], Names(title));
        Assert.Equal([names[0], names[5]], Names(orMixed));
        Assert.Equal(3, notTitle.TotalResults);
        Assert.Equal([names[0], names[2]], Names(notTitle));
        Assert.Equal(0, present.TotalResults);
        Assert.Equal([names[3]], Names(grouped));
        Assert.Equal(6, created.TotalResults);
        Assert.Equal([names[4], names[5]], Names(userNameOps));
    }

    [Fact]
    public async Task Attributes_and_excludedAttributes_project_the_answer_and_keep_id()
    {
        var id = await _client.CreateUserAsync(UniqueName(), ""","title":"T","name":{"givenName":"G","familyName":"F"},"emails":[{"type":"work","value":"p@x.test"}]""");

        var only = await _client.GetScimAsync($"/scim/v2/Users/{id}?attributes=userName,name.givenName");
        var excluded = await _client.GetScimAsync($"/scim/v2/Users/{id}?excludedAttributes=emails,title,groups");
        var listed = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"id eq \"{id}\"")}&attributes=title");

        Assert.Equal(["id", "name", "schemas", "userName"], only.Body!.Select(m => m.Key).Order());
        Assert.Equal(["givenName"], only.Body!["name"]!.AsObject().Select(m => m.Key));
        Assert.Null(excluded.Body!["emails"]);
        Assert.Null(excluded.Body["title"]);
        Assert.NotNull(excluded.Body["meta"]);
        var resource = Assert.Single(listed.Resources)!.AsObject();
        Assert.Equal(["id", "schemas", "title"], resource.Select(m => m.Key).Order());
    }

    [Fact]
    public async Task Search_endpoints_accept_a_SearchRequest()
    {
        var names = await SeedAsync(4);
        var groupId = await _client.CreateGroupAsync("Searchable");

        var users = await _client.PostScimAsync("/scim/v2/Users/.search", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"title eq \"Even\"","attributes":["userName"],"sortBy":"userName","sortOrder":"descending","startIndex":1,"count":10}
            """);
        var groups = await _client.PostScimAsync("/scim/v2/Groups/.search", """{"filter":"displayName eq \"searchable\"","excludedAttributes":["members"]}""");
        var root = await _client.PostScimAsync("/scim/v2/.search", """{"filter":"meta.created pr","startIndex":4,"count":2}""");

        Assert.Equal(HttpStatusCode.OK, users.Status);
        Assert.Equal([names[2], names[0]], Names(users));
        Assert.Null(users.Resources[0]!["title"]);
        Assert.Equal(groupId, Assert.Single(groups.Resources)!["id"]!.GetValue<string>());
        Assert.Equal(5, root.TotalResults);
        Assert.Equal(4, root.Body!["startIndex"]!.GetValue<int>());
        Assert.Equal([names[3], "Searchable"], root.Resources.Select(r => (r!["userName"] ?? r["displayName"])!.GetValue<string>()));
    }

    [Fact]
    public async Task A_filter_that_needs_too_many_rows_is_400_tooMany()
    {
        using var limited = fixture.WithWebHostBuilder(b => b.UseSetting("Bifrost:Scim:MaxFilterScan", "3"));
        var client = limited.CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Provider", Guid.NewGuid().ToString());
        for (var i = 0; i < 5; i++)
        {
            await client.CreateUserAsync(UniqueName(), ""","title":"t" """);
        }

        var scan = await client.GetScimAsync($"/scim/v2/Users?filter={Query("title eq \"t\"")}");
        var indexed = await client.GetScimAsync($"/scim/v2/Users?filter={Query("userName sw \"user\" and title eq \"t\"")}&count=1");

        scan.AssertError(HttpStatusCode.BadRequest, "tooMany");
        indexed.AssertError(HttpStatusCode.BadRequest, "tooMany");
        Assert.Equal(HttpStatusCode.OK, (await client.GetScimAsync("/scim/v2/Users?count=1")).Status);
    }

    [Fact]
    public async Task Group_filters_on_members_and_attributes_outside_the_indexes()
    {
        var user = await _client.CreateUserAsync(UniqueName());
        var a = await _client.CreateGroupAsync("Alpha", $$""","externalId":"ext-a","members":[{"value":"{{user}}"}]""");
        var b = await _client.CreateGroupAsync("Beta", ""","externalId":"ext-b" """);

        var noMembers = await _client.GetScimAsync($"/scim/v2/Groups?filter={Query("not (members pr)")}&excludedAttributes=members");
        var memberType = await _client.GetScimAsync($"/scim/v2/Groups?filter={Query("members[type eq \"User\"] or externalId eq \"ext-b\"")}&sortBy=displayName&sortOrder=descending");
        var externalId = await _client.GetScimAsync($"/scim/v2/Groups?filter={Query("externalId sw \"ext-\"")}&sortBy=externalId");

        Assert.Equal([b], noMembers.Resources.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal([b, a], memberType.Resources.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal([a, b], externalId.Resources.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal(user, memberType.Resources[1]!["members"]![0]!["value"]!.GetValue<string>());
    }
}
