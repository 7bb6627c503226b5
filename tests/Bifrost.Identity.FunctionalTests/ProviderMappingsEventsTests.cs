using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Providers;
using Bifrost.Testing;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.FunctionalTests;

public sealed class ProviderMappingsEventsTests(IdentityApiFixture fixture) : IClassFixture<IdentityApiFixture>
{
    private const string Department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => fixture.CreateClient();

    private static string UniqueName() => $"provider-{Guid.NewGuid():N}";

    private static object Body(string name, object? mappings = null) => new { name, kind = "entra", mappings };

    private IEnumerable<ProviderMappingsChanged> Published(Guid providerId) =>
        fixture.Harness.PublishedEvents<ProviderMappingsChanged>().Select(e => e.Message).Where(m => m.ProviderId == providerId);

    private Task<ProviderMappingsChanged> PublishedAsync(Guid providerId, long version) =>
        fixture.Harness.PublishedAsync<ProviderMappingsChanged>(m => m.ProviderId == providerId && m.Version == version, seconds: 30);

    private Task<long> MappingsVersionAsync(Guid id) =>
        fixture.WithDbAsync(db => db.Providers.AsNoTracking().Where(p => p.Id == id).Select(p => p.MappingsVersion).SingleAsync(Ct));

    [Fact]
    public async Task Create_publishes_the_mappings_with_version_1()
    {
        var created = await Client.PostAsJsonAsync("/api/providers", Body(UniqueName(), new
        {
            scimAttributes = new[] { "employeeID" },
            teamRules = new object[] { new { attribute = "groups", value = "*" }, new { attribute = Department, value = "Platform", team = "platform" } },
            businessUnitRules = new[] { new { attribute = "employeeID", value = "E-1", businessUnit = "engineering" } },
        }), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();

        var message = await PublishedAsync(id, 1);

        Assert.Equal(["employeeID"], message.ScimAttributes);
        Assert.Equal([new MappingRule("groups", "*", null), new MappingRule(Department, "Platform", "platform")], message.TeamRules);
        Assert.Equal([new MappingRule("employeeID", "E-1", "engineering")], message.BusinessUnitRules);
        Assert.False(message.ProviderDeleted);
        Assert.Equal(1, await MappingsVersionAsync(id));
    }

    [Fact]
    public async Task Update_of_team_rules_publishes_the_next_version_and_a_rename_publishes_nothing()
    {
        var name = UniqueName();
        var created = await Client.PostAsJsonAsync("/api/providers", Body(name), Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        await PublishedAsync(id, 1);

        var renamed = await Client.PutAsJsonAsync($"/api/providers/{id}", Body(name + "-renamed"), Ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(1, await MappingsVersionAsync(id));

        var updated = await Client.PutAsJsonAsync($"/api/providers/{id}", Body(name + "-renamed", new
        {
            teamRules = new[] { new { attribute = "title", value = "Engineer", team = "engineers" } },
        }), Ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        var message = await PublishedAsync(id, 2);
        Assert.Equal([new MappingRule("title", "Engineer", "engineers")], message.TeamRules);
        Assert.Equal(2, await MappingsVersionAsync(id));
        Assert.Equal([1L, 2L], Published(id).Select(m => m.Version).Order());
    }

    [Fact]
    public async Task Role_rule_change_bumps_the_version_without_publishing_to_team_mapping()
    {
        var name = UniqueName();
        var created = await Client.PostAsJsonAsync("/api/providers", Body(name), Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        await PublishedAsync(id, 1);

        var updated = await Client.PutAsJsonAsync($"/api/providers/{id}", Body(name, new
        {
            roleRules = new[] { new { attribute = "title", value = "*", role = "viewer" } },
        }), Ct);

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, await MappingsVersionAsync(id));
        Assert.DoesNotContain(Published(id), m => m.Version == 2);
    }

    [Fact]
    public async Task Delete_publishes_provider_deleted_with_empty_lists_and_a_newer_version()
    {
        var created = await Client.PostAsJsonAsync("/api/providers", Body(UniqueName(), new
        {
            teamRules = new[] { new { attribute = "title", value = "Engineer", team = "engineers" } },
        }), Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        await PublishedAsync(id, 1);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/providers/{id}", Ct)).StatusCode);

        var message = await PublishedAsync(id, 2);
        Assert.True(message.ProviderDeleted);
        Assert.Empty(message.TeamRules);
        Assert.Empty(message.BusinessUnitRules);
        Assert.Empty(message.ScimAttributes);
    }

    [Fact]
    public async Task Seeded_provider_publishes_its_mappings_once()
    {
        var message = await PublishedAsync(IdentityApiFixture.SeededProviderId, 1);

        Assert.False(message.ProviderDeleted);
        Assert.Equal(1, await MappingsVersionAsync(IdentityApiFixture.SeededProviderId));
    }
}
