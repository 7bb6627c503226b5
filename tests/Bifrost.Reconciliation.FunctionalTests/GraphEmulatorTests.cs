using System.Net.Http.Json;
using Bifrost.GraphEmulator;
using Bifrost.Reconciliation.Graph;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;

namespace Bifrost.Reconciliation.FunctionalTests;

/// <summary>The real Microsoft Graph SDK (paging, $select, retries, client-credentials auth) against the emulator.</summary>
public sealed class GraphEmulatorTests(GraphEmulatorFixture emulator) : IClassFixture<GraphEmulatorFixture>
{
    private static readonly SyntheticDirectory Expected = new(new DirectoryOptions(2500, 40, 7));

    private GraphServiceClient Client(string secret = GraphEmulatorFixture.ClientSecret)
    {
        var root = emulator.BaseAddress.ToString().TrimEnd('/');
        var cloud = new GraphCloud(new Uri(root + "/v1.0"), new Uri(root + "/"));
        return GraphClients.Create(new GraphCredentials(GraphEmulatorFixture.TenantId, GraphEmulatorFixture.ClientId, secret, null), cloud, new HttpClient(), TimeProvider.System);
    }

    [Fact]
    public async Task Page_iterator_streams_every_user_with_the_selected_attributes()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();
        var page = await client.Users.GetAsync(r =>
        {
            r.QueryParameters.Select = ["id", "userPrincipalName", "department", "accountEnabled"];
            r.QueryParameters.Top = 999;
        }, ct);
        var users = new List<User>();
        var iterator = PageIterator<User, UserCollectionResponse>.CreatePageIterator(client, page!, user =>
        {
            users.Add(user);
            return true;
        });
        await iterator.IterateAsync(ct);

        Assert.Equal(2500, users.Count);
        Assert.Equal(2500, users.Select(u => u.Id).Distinct().Count());
        var sample = Expected.GeneratedUser(1234);
        var found = users.Single(u => u.Id == sample.Id.ToString());
        Assert.Equal(sample.UserPrincipalName, found.UserPrincipalName);
        Assert.Equal(sample.Department, found.Department);
        Assert.Null(found.GivenName); // not selected
    }

    [Fact]
    public async Task Group_members_page_through_and_match_the_directory()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();
        var group = Expected.GroupId(3).ToString();
        var page = await client.Groups[group].Members.GetAsync(r => { r.QueryParameters.Select = ["id"]; r.QueryParameters.Top = 50; }, ct);
        var members = new List<string>();
        await PageIterator<DirectoryObject, DirectoryObjectCollectionResponse>.CreatePageIterator(client, page!, m =>
        {
            members.Add(m.Id!);
            return true;
        }).IterateAsync(ct);

        var expected = Enumerable.Range(0, 2500).Where(i => Expected.GroupsOf(i).Contains(3)).Select(i => Expected.UserId(i).ToString()).ToList();
        Assert.Equal(expected, members);
    }

    [Fact]
    public async Task Throttling_with_retry_after_is_survived_by_the_sdk()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = emulator.CreateClient();
        (await admin.PostAsJsonAsync("/admin/throttle", new { requests = 2, retryAfterSeconds = 1 }, ct)).EnsureSuccessStatusCode();

        var groups = await Client().Groups.GetAsync(r => r.QueryParameters.Top = 5, ct);

        Assert.Equal(5, groups!.Value!.Count);
    }

    [Fact]
    public async Task Wrong_client_secret_fails_authentication()
    {
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAsync<GraphAuthenticationException>(() => Client("wrong").Users.GetAsync(cancellationToken: ct));
    }

    [Fact]
    public async Task Mutations_show_in_the_next_read()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = emulator.CreateClient();
        var mutations = new object[]
        {
            new { op = "disableUser", userIndex = 10 },
            new { op = "setAttribute", userIndex = 11, attribute = "department", value = "Quantum" },
            new { op = "removeMember", groupIndex = 10, userIndex = 10 },
        };
        (await admin.PostAsJsonAsync("/admin/mutations", mutations, ct)).EnsureSuccessStatusCode();

        var client = Client();
        var disabled = await client.Users[Expected.UserId(10).ToString()].GetAsync(cancellationToken: ct);
        var changed = await client.Users[Expected.UserId(11).ToString()].GetAsync(cancellationToken: ct);
        var members = await client.Groups[Expected.GroupId(10).ToString()].Members.GetAsync(r => r.QueryParameters.Top = 999, ct);

        Assert.False(disabled!.AccountEnabled);
        Assert.Equal("Quantum", changed!.Department);
        Assert.DoesNotContain(members!.Value!, m => m.Id == Expected.UserId(10).ToString());
        var unknown = await Assert.ThrowsAsync<ODataError>(() => client.Users[Guid.NewGuid().ToString()].GetAsync(cancellationToken: ct));
        Assert.Equal(404, unknown.ResponseStatusCode);
    }
}
