using System.Net;
using System.Net.Http.Json;
using Bifrost.Contracts.Governance;
using Bifrost.Contracts.Providers;
using Bifrost.Testing;
using Bifrost.TeamMapping.Model;
using Microsoft.EntityFrameworkCore;
using static Bifrost.TeamMapping.FunctionalTests.Events;

namespace Bifrost.TeamMapping.FunctionalTests;

public sealed class RulesTests(TeamMappingFixture fixture) : IClassFixture<TeamMappingFixture>
{
    private Api Api => new(fixture.AdminClient());

    private Task<JsonObjectWait> RecomputedAsync(Guid provider, long version) => WaitRecomputedAsync(fixture, provider, version);

    internal sealed record JsonObjectWait(string Status, long Version, int Processed, int Total);

    internal static async Task<JsonObjectWait> WaitRecomputedAsync(TeamMappingFixture fixture, Guid provider, long version, int seconds = 60) =>
        await Eventually.WaitAsync(
            async () =>
            {
                var response = await fixture.AdminClient().GetAsync($"/api/teams/recomputations/{provider}", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return new JsonObjectWait("none", 0, 0, 0);
                }

                var run = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(TestContext.Current.CancellationToken))!;
                return new JsonObjectWait(run["status"]!.GetValue<string>(), run["mappingsVersion"]!.GetValue<long>(), run["processed"]!.GetValue<int>(), run["total"]!.GetValue<int>());
            },
            run => run.Status == "completed" && run.Version == version,
            TimeSpan.FromSeconds(seconds),
            $"the rules at version {version} were applied to every user");

    [Fact]
    public async Task Attribute_rules_make_teams_and_business_units_and_publish_the_user_affiliations()
    {
        var (provider, user) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Rules(provider, 1,
            teams: [new MappingRule(Department, "*", null), new MappingRule("title", "engineer", "Builders")],
            units: [new MappingRule(Department, "*", null)]));
        await fixture.DeliverAsync(Provisioned(provider, user, 1, (Department, "Platform"), ("title", "Engineer")));

        Assert.Equal(["Builders", "Platform"], await Api.TeamNamesAsync(provider));
        Assert.Equal(["Platform"], await Api.BusinessUnitNamesAsync(provider));
        var team = await Api.TeamIdAsync(provider, "Platform");
        AssertSoleMember(await Api.MembersAsync("teams", team), user, true, "attributeMapping");
        var unit = await Api.BusinessUnitIdAsync(provider, "Platform");
        Assert.Equal(1, (await Api.GetAsync($"/api/business-units/{unit}"))["memberCount"]!.GetValue<int>());
        AssertSoleMember(await Api.MembersAsync("business-units", unit), user, true, "attributeMapping");

        var published = await fixture.Harness.AffiliationsAsync(user, a => a.Version > 0);
        Assert.Equal(provider, published.ProviderId);
        Assert.Equal(["Builders", "Platform"], published.Teams.Select(t => t.Name));
        Assert.All(published.Teams, t => Assert.Equal([AffiliationSources.AttributeMapping], t.Sources));
        Assert.Equal(unit, Assert.Single(published.BusinessUnits).Id);

        await fixture.DeliverAsync(Updated(provider, user, 2, (Department, "Research"), ("title", "Engineer")));

        Assert.Empty(await Api.MembersAsync("teams", team));
        Assert.Empty(await Api.MembersAsync("business-units", unit));
        Assert.Contains(user, (await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Research"))).Keys);
        var second = await fixture.Harness.AffiliationsAsync(user, a => a.Version == published.Version + 1);
        Assert.Equal(["Builders", "Research"], second.Teams.Select(t => t.Name));
        Assert.Equal(["Research"], second.BusinessUnits.Select(b => b.Name));

        // The second report carries only what changed: Research in, Platform out; Builders, unchanged, is not in it.
        var change = fixture.Harness.ReportedNow(m => m.UserId == user)[^1];
        Assert.True(change.ChangesOnly);
        Assert.Equal(["Research"], change.Teams.Select(t => t.Name));
        Assert.Equal([team], change.LeftTeams);
        Assert.Equal(["Research"], change.BusinessUnits.Select(b => b.Name));
        Assert.Equal([unit], change.LeftBusinessUnits);

        // The same update again (a redelivery under a new id, older version) changes nothing and publishes nothing.
        await fixture.DeliverAsync(Updated(provider, user, 2, (Department, "Platform")));
        await fixture.DeliverAsync(Provisioned(provider, user, 1, (Department, "Platform")));
        Assert.Contains(user, (await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Research"))).Keys);
        Assert.Equal(2, fixture.Harness.ReportedNow(m => m.UserId == user).Count);
    }

    [Fact]
    public async Task A_burst_of_user_events_of_two_providers_is_applied_in_batches_and_each_user_ends_on_its_newest_snapshot()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid[] providers = [Guid.NewGuid(), Guid.NewGuid()];
        foreach (var provider in providers)
        {
            await fixture.DeliverAsync(Rules(provider, 1, teams: [new MappingRule(Department, "*", null)]));
        }

        var users = Enumerable.Range(0, 60).Select(i => (Provider: providers[i % 2], Id: Guid.NewGuid(), Deleted: i % 10 == 0)).ToList();
        var messageIds = new List<Guid>();
        var deliveries = new List<Task>();
        void Deliver(object message)
        {
            var id = Guid.NewGuid();
            messageIds.Add(id);
            deliveries.Add(fixture.DeliverAnyAsync(message, id));
        }

        // Each user provisioned, then updated twice (the newest first), and one in ten deleted: all published at once.
        foreach (var (provider, user, deleted) in users)
        {
            Deliver(Provisioned(provider, user, 1, (Department, "Alpha")));
            Deliver(Updated(provider, user, 3, (Department, "Gamma")));
            Deliver(Updated(provider, user, 2, (Department, "Beta")));
            if (deleted)
            {
                Deliver(Deleted(provider, user, 4));
            }
        }

        await Task.WhenAll(deliveries);

        var ids = users.Select(u => u.Id).ToArray();
        var stored = await fixture.WithDbAsync(db => db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct));
        var memberships = await fixture.WithDbAsync(db => db.Memberships.AsNoTracking().Where(m => ids.Contains(m.UserId)).ToListAsync(ct));
        var gamma = new Dictionary<Guid, Guid>();
        foreach (var provider in providers)
        {
            gamma[provider] = await Api.TeamIdAsync(provider, "Gamma");
        }

        foreach (var (provider, user, deleted) in users)
        {
            Assert.Equal(provider, stored[user].ProviderId);
            Assert.Equal(deleted ? (4, MappedUserState.Deleted) : (3, MappedUserState.Active), (stored[user].Version, stored[user].State));
            var teams = memberships.Where(m => m.UserId == user).Select(m => (m.TeamId, m.Source, m.Active)).ToList();
            List<(Guid, MembershipSource, bool)> expected = deleted ? [] : [(gamma[provider], MembershipSource.AttributeMapping, true)];
            Assert.Equal(expected, teams);
        }

        // Applied in far fewer transactions than messages: a batch's inbox rows share their transaction's timestamp.
        var transactions = await fixture.WithDbAsync(db => db.Set<Bifrost.Messaging.InboxMessage>()
            .Where(m => messageIds.Contains(m.MessageId) && m.Consumer == "ScimUserEventsConsumer")
            .Select(m => m.ProcessedAt).Distinct().CountAsync(ct));
        Assert.InRange(transactions, 1, messageIds.Count / 2);
    }

    [Fact]
    public async Task An_update_of_attributes_no_rule_reads_keeps_the_memberships_and_a_later_read_attribute_still_counts()
    {
        var (provider, user) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Rules(provider, 1, teams: [new MappingRule(Department, "*", null)], units: [new MappingRule(Department, "*", null)]));
        await fixture.DeliverAsync(Provisioned(provider, user, 1, (Department, "Platform"), ("title", "Engineer")));
        var platform = await Api.TeamIdAsync(provider, "Platform");
        AssertSoleMember(await Api.MembersAsync("teams", platform), user, true, "attributeMapping");
        await fixture.Harness.ReportedAsync(m => m.UserId == user);

        // title is read by no rule: the user's teams, business units and published affiliations stay as they are.
        await fixture.DeliverAsync(Updated(provider, user, 2, (Department, "Platform"), ("title", "Director")));
        await fixture.DeliverAsync(Updated(provider, user, 3, (Department, "Platform"), ("title", "Analyst"), ("employeeNumber", "42")));
        AssertSoleMember(await Api.MembersAsync("teams", platform), user, true, "attributeMapping");
        Assert.Equal(["Platform"], await Api.BusinessUnitNamesAsync(provider));
        Assert.Single(fixture.Harness.ReportedNow(m => m.UserId == user));

        // department is read: the next change moves the user.
        await fixture.DeliverAsync(Updated(provider, user, 4, (Department, "Research"), ("title", "Analyst")));
        Assert.Empty(await Api.MembersAsync("teams", platform));
        AssertSoleMember(await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Research")), user, true, "attributeMapping");
        var moved = await fixture.Harness.AffiliationsAsync(user, a => a.Teams.Any(t => t.Name == "Research"));
        Assert.Equal(["Research"], moved.BusinessUnits.Select(b => b.Name));
    }

    [Fact]
    public async Task A_rule_on_emails_follows_the_users_work_email()
    {
        var (provider, user) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Rules(provider, 1, teams: [new MappingRule("emails", "${*}@contoso.test", "Contoso staff")], units: []));
        var created = Provisioned(provider, user, 1, ("title", "Engineer"));
        await fixture.DeliverAsync(created with { User = created.User with { Email = "ada@contoso.test" } });
        AssertSoleMember(await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Contoso staff")), user, true, "attributeMapping");

        var moved = Updated(provider, user, 2, ("title", "Engineer"));
        await fixture.DeliverAsync(moved with { User = moved.User with { Email = "ada@fabrikam.test" } });
        Assert.Empty(await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Contoso staff")));
    }

    [Fact]
    public async Task Rules_keep_the_highest_version_and_a_deleted_provider_clears_them()
    {
        var (provider, user) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Provisioned(provider, user, 1, (Department, "Sales"), ("title", "Engineer")));
        await fixture.DeliverAsync(Rules(provider, 2, teams: [new MappingRule(Department, "*", null)]));
        await RecomputedAsync(provider, 2);
        Assert.Equal(["Sales"], await Api.TeamNamesAsync(provider));

        await fixture.DeliverAsync(Rules(provider, 1, teams: [new MappingRule("title", "Engineer", "Old rules")]));
        var run = await Api.RecomputationAsync(provider);
        Assert.Equal(2, run["mappingsVersion"]!.GetValue<long>());
        Assert.Equal(["Sales"], await Api.TeamNamesAsync(provider));

        await fixture.DeliverAsync(Rules(provider, 3, deleted: true));
        await RecomputedAsync(provider, 3);
        Assert.Empty(await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Sales")));
        var last = await fixture.Harness.AffiliationsAsync(user, a => a.Version > 1 && a.Teams.Count == 0);
        Assert.Empty(last.BusinessUnits);
    }

    [Fact]
    public async Task Suspended_user_keeps_inactive_memberships_and_a_deleted_user_loses_every_membership()
    {
        var (provider, user, group) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Rules(provider, 1, units: [new MappingRule(Department, "*", null)]));
        await fixture.DeliverAsync(Provisioned(provider, user, 1, (Department, "Ops")));
        await fixture.DeliverAsync(GroupCreated(provider, group, "Ops team"));
        await fixture.DeliverAsync(MembersAdded(provider, group, 2, user));
        var unit = await Api.BusinessUnitIdAsync(provider, "Ops");
        Assert.Equal(HttpStatusCode.Created, (await Api.Client.PostAsJsonAsync($"/api/teams/{group}/members", new { userId = user }, TestContext.Current.CancellationToken)).StatusCode);

        await fixture.DeliverAsync(Deactivated(provider, user, 2, (Department, "Ops")));
        AssertSoleMember(await Api.MembersAsync("teams", group), user, false, "manual", "scimGroup");
        AssertSoleMember(await Api.MembersAsync("business-units", unit), user, false, "attributeMapping");

        await fixture.DeliverAsync(Reactivated(provider, user, 3, (Department, "Ops")));
        Assert.True(Single(await Api.MembersAsync("teams", group), user).Active);

        await fixture.DeliverAsync(Deleted(provider, user, 4));
        Assert.Empty(await Api.MembersAsync("teams", group));
        Assert.Empty(await Api.MembersAsync("business-units", unit));
        // The deletion is reported as complete, empty lists.
        var last = await fixture.Harness.ReportedAsync(m => m.UserId == user && !m.ChangesOnly);
        Assert.Equal(provider, last.ProviderId);
        Assert.Empty(last.Teams);
        Assert.Empty(last.BusinessUnits);

        // Late events for the deleted user (an older update, a group add) do not bring anything back.
        await fixture.DeliverAsync(Updated(provider, user, 3, (Department, "Ops")));
        await fixture.DeliverAsync(MembersAdded(provider, group, 3, user));
        Assert.Empty(await Api.MembersAsync("teams", group));
        Assert.Empty(await Api.MembersAsync("business-units", unit));
    }

    [Fact]
    public async Task Groups_rule_follows_scim_group_membership_and_renames()
    {
        var (provider, user, group) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await fixture.DeliverAsync(Rules(provider, 1,
            teams: [new MappingRule("groups", "Bifrost Playground: ${*} Team", null)],
            units: [new MappingRule("groups", "*", "All group members")]));
        await fixture.DeliverAsync(Provisioned(provider, user));
        await fixture.DeliverAsync(GroupCreated(provider, group, "Bifrost Playground: Alpha Team"));
        await fixture.DeliverAsync(MembersAdded(provider, group, 2, user));

        Assert.Equal(["Alpha", "Bifrost Playground: Alpha Team"], await Api.TeamNamesAsync(provider));
        AssertSoleMember(await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Alpha")), user, true, "attributeMapping");
        AssertSoleMember(await Api.MembersAsync("teams", group), user, true, "scimGroup");
        Assert.Equal(["All group members"], await Api.BusinessUnitNamesAsync(provider));

        await fixture.DeliverAsync(GroupRenamed(provider, group, "Bifrost Playground: Beta Team", 3));
        Assert.Empty(await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Alpha")));
        Assert.Contains(user, (await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Beta"))).Keys);
        var renamed = await fixture.Harness.AffiliationsAsync(user, a => a.Teams.Any(t => t.Name == "Bifrost Playground: Beta Team"));
        Assert.Equal(["Beta", "Bifrost Playground: Beta Team"], renamed.Teams.Select(t => t.Name));
        Assert.Equal([AffiliationSources.ScimGroup], renamed.Teams.Single(t => t.Id == group).Sources);

        await fixture.DeliverAsync(MembersRemoved(provider, group, 4, user));
        Assert.Empty(await Api.MembersAsync("teams", await Api.TeamIdAsync(provider, "Beta")));
        Assert.Empty(await Api.MembersAsync("business-units", await Api.BusinessUnitIdAsync(provider, "All group members")));
    }

    internal static void AssertSoleMember(Dictionary<Guid, (bool Active, string[] Sources)> members, Guid user, bool active, params string[] sources)
    {
        Assert.Equal(user, Assert.Single(members).Key);
        Assert.Equal(active, members[user].Active);
        Assert.Equal(sources, members[user].Sources);
    }

    private static (bool Active, string[] Sources) Single(Dictionary<Guid, (bool Active, string[] Sources)> members, Guid user)
    {
        Assert.Equal(user, Assert.Single(members).Key);
        return members[user];
    }
}
