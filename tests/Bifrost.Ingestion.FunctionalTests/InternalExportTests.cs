using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>The internal export reconciliation reads: keyset pages, one provider's data only.</summary>
public sealed class InternalExportTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private readonly Guid _provider = Guid.NewGuid();

    private async Task<(HttpStatusCode Status, JsonObject? Body)> ExportAsync(string path)
    {
        using var client = fixture.CreateClient();
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK
            ? await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken)
            : null);
    }

    [Fact]
    public async Task A_groups_members_come_in_id_order_page_by_page()
    {
        var scim = fixture.CreateScimClient(_provider);
        var users = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            users.Add(await scim.CreateUserAsync(UniqueName()));
        }

        var group = await scim.CreateGroupAsync($"export-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.NoContent, (await scim.PatchScimAsync($"/scim/v2/Groups/{group}", MembersPatch("Add", users))).Status);

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var (status, body) = await ExportAsync($"/internal/export/providers/{_provider}/groups/{group}/members?limit=2{(after is null ? "" : $"&after={after}")}");
            Assert.Equal(HttpStatusCode.OK, status);
            seen.AddRange(body!["items"]!.AsArray().Select(m => (string)m!["id"]!));
            Assert.All(body["items"]!.AsArray(), m => Assert.Equal("User", (string?)m!["type"]));
            after = (string?)body["next"];
            pages++;
        }
        while (after is not null);

        Assert.Equal(users.Select(Guid.Parse).Order().Select(id => id.ToString()), seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task An_empty_group_is_an_empty_page_and_another_providers_group_is_not_found()
    {
        var group = await fixture.CreateScimClient(_provider).CreateGroupAsync($"export-{Guid.NewGuid():N}");

        var (status, body) = await ExportAsync($"/internal/export/providers/{_provider}/groups/{group}/members");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(body!["items"]!.AsArray());
        Assert.Null(body["next"]);

        // With a member in it, the group is still invisible to any other provider.
        var scim = fixture.CreateScimClient(_provider);
        Assert.Equal(HttpStatusCode.NoContent, (await scim.PatchScimAsync($"/scim/v2/Groups/{group}", MembersPatch("Add", [await scim.CreateUserAsync(UniqueName())]))).Status);
        Assert.Single((await ExportAsync($"/internal/export/providers/{_provider}/groups/{group}/members")).Body!["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await ExportAsync($"/internal/export/providers/{Guid.NewGuid()}/groups/{group}/members")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await ExportAsync($"/internal/export/providers/{_provider}/groups/{Guid.NewGuid()}/members")).Status);
    }
}
