using System.Net;
using System.Net.Http.Json;
using Bifrost.Contracts.Governance;
using Bifrost.Contracts.Providers;
using static Bifrost.TeamMapping.FunctionalTests.Events;

namespace Bifrost.TeamMapping.FunctionalTests;

public sealed class BusinessUnitsApiTests(TeamMappingFixture fixture) : IClassFixture<TeamMappingFixture>
{
    private Api Api => new(fixture.AdminClient());

    [Fact]
    public async Task List_searches_pages_in_a_stable_order_and_rejects_bad_paging()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = Guid.NewGuid();
        await fixture.DeliverAsync(Rules(provider, 1, units: [new MappingRule(Department, "*", null)]));
        foreach (var (department, version) in new[] { ("Finance US", 1), ("Finance EMEA", 2), ("Legal", 3) })
        {
            await fixture.DeliverAsync(Provisioned(provider, Guid.NewGuid(), version, (Department, department)));
        }

        var found = await Api.GetAsync($"/api/business-units?providerId={provider}&search=FINANCE");
        Assert.Equal(2, found["total"]!.GetValue<int>());
        Assert.Equal(["Finance EMEA", "Finance US"], found["items"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()));
        var second = await Api.GetAsync($"/api/business-units?providerId={provider}&search=finance&offset=1&limit=1");
        Assert.Equal("Finance US", Assert.Single(second["items"]!.AsArray())!["name"]!.GetValue<string>());
        Assert.Empty((await Api.GetAsync($"/api/business-units?providerId={Guid.NewGuid()}"))["items"]!.AsArray());

        var tooMany = await Api.Client.GetAsync($"/api/business-units?limit=101", ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("limit", await tooMany.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.Client.GetAsync($"/api/business-units?offset=-1", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.Client.GetAsync($"/api/business-units/{Guid.NewGuid()}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.Client.GetAsync($"/api/business-units/{Guid.NewGuid()}/members", ct)).StatusCode);
    }

    [Fact]
    public async Task Manual_members_survive_rule_syncs_and_only_manual_grants_can_be_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        var (provider, ruled, manual) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Rules(provider, 1, units: [new MappingRule(Department, "*", null)]));
        await fixture.DeliverAsync(Provisioned(provider, ruled, 1, (Department, "Support")));
        await fixture.DeliverAsync(Provisioned(provider, manual, 1, (Department, "Legal")));
        var support = await Api.BusinessUnitIdAsync(provider, "Support");

        var added = await Api.Client.PostAsJsonAsync($"/api/business-units/{support}/members", new { userId = manual }, ct);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Api.Client.PostAsJsonAsync($"/api/business-units/{support}/members", new { userId = manual }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Api.Client.PostAsJsonAsync($"/api/business-units/{support}/members", new { userId = ruled }, ct)).StatusCode);

        var members = await Api.MembersAsync("business-units", support);
        Assert.Equal(["manual"], members[manual].Sources);
        Assert.Equal(["manual", "attributeMapping"], members[ruled].Sources);
        Assert.Equal(2, (await Api.GetAsync($"/api/business-units/{support}"))["memberCount"]!.GetValue<int>());
        var published = await fixture.Harness.AffiliationsAsync(manual, a => a.BusinessUnits.Any(b => b.Id == support));
        Assert.Equal(["Legal", "Support"], published.BusinessUnits.Select(b => b.Name));
        Assert.Equal([AffiliationSources.Manual], published.BusinessUnits.Single(b => b.Id == support).Sources);

        // The rule no longer points at Support: the attribute grant goes, the manual grants stay.
        await fixture.DeliverAsync(Updated(provider, ruled, 2, (Department, "Legal")));
        await fixture.DeliverAsync(Updated(provider, manual, 2, (Department, "Legal")));
        members = await Api.MembersAsync("business-units", support);
        Assert.Equal(["manual"], members[manual].Sources);
        Assert.Equal(["manual"], members[ruled].Sources);

        // Deleting removes only the manual membership; an attribute grant cannot be deleted through the API.
        var legal = await Api.BusinessUnitIdAsync(provider, "Legal");
        Assert.Equal(HttpStatusCode.NotFound, (await Api.Client.DeleteAsync($"/api/business-units/{legal}/members/{ruled}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Api.Client.DeleteAsync($"/api/business-units/{support}/members/{ruled}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.Client.DeleteAsync($"/api/business-units/{support}/members/{ruled}", ct)).StatusCode);
        Assert.Equal([manual], (await Api.MembersAsync("business-units", support)).Keys);
        Assert.Contains(ruled, (await Api.MembersAsync("business-units", legal)).Keys);
    }

    [Fact]
    public async Task Writes_need_the_admin_role_and_a_user_of_the_same_provider()
    {
        var ct = TestContext.Current.CancellationToken;
        var (provider, user, stranger) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Rules(provider, 1, units: [new MappingRule(Department, "*", null)]));
        await fixture.DeliverAsync(Provisioned(provider, user, 1, (Department, "Audit")));
        await fixture.DeliverAsync(Provisioned(Guid.NewGuid(), stranger, 1, (Department, "Audit")));
        var audit = await Api.BusinessUnitIdAsync(provider, "Audit");

        var viewer = fixture.AdminClient("viewer");
        var forbidden = await viewer.PostAsJsonAsync($"/api/business-units/{audit}/members", new { userId = user }, ct);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"/api/business-units/{audit}/members/{user}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.CreateClient().PostAsJsonAsync($"/api/teams", new { name = "x" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/business-units/{audit}/members", ct)).StatusCode);
        Assert.Equal(["attributeMapping"], (await Api.MembersAsync("business-units", audit))[user].Sources);

        var crossProvider = await Api.Client.PostAsJsonAsync($"/api/business-units/{audit}/members", new { userId = stranger }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, crossProvider.StatusCode);
        Assert.Contains("another provider", await crossProvider.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.Client.PostAsJsonAsync($"/api/business-units/{audit}/members", new { userId = "not-a-guid" }, ct)).StatusCode);
        Assert.Equal([user], (await Api.MembersAsync("business-units", audit)).Keys);
    }
}
