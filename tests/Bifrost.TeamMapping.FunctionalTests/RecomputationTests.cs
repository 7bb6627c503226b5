using System.Diagnostics;
using Bifrost.Contracts.Providers;
using Bifrost.TeamMapping.Infrastructure;
using Bifrost.TeamMapping.Model;
using Microsoft.EntityFrameworkCore;
using static Bifrost.TeamMapping.FunctionalTests.Events;

namespace Bifrost.TeamMapping.FunctionalTests;

public sealed class RecomputationTests(TeamMappingFixture fixture) : IClassFixture<TeamMappingFixture>
{
    private const int Users = 3000;

    private Api Api => new(fixture.AdminClient());

    /// <summary>Users as the SCIM consumer stores them, seeded in bulk: user i is in department "Dept {i % 10}".</summary>
    private Task SeedUsersAsync(Guid provider) => fixture.WithDbAsync(db => db.Database.ExecuteSqlAsync($"""
        INSERT INTO team_mapping.users (id, provider_id, state, version, attributes, affiliations_version, updated_at)
        SELECT gen_random_uuid(), {provider}, 'Active', 1, jsonb_build_object({Department}::text, 'Dept ' || (i % 10), 'title', 'Title ' || (i % 3)), 0, now()
        FROM generate_series(1, {Users}) AS i
        """, TestContext.Current.CancellationToken));

    private Task<int> CountAsync(Guid provider, MembershipSource source, bool units) => fixture.WithDbAsync(db => units
        ? db.BusinessUnitMemberships.CountAsync(m => m.Source == source && db.BusinessUnits.Any(b => b.Id == m.BusinessUnitId && b.ProviderId == provider), TestContext.Current.CancellationToken)
        : db.Memberships.CountAsync(m => m.Source == source && db.Teams.Any(t => t.Id == m.TeamId && t.ProviderId == provider), TestContext.Current.CancellationToken));

    [Fact]
    public async Task Rule_change_re_evaluates_every_user_in_batches_and_a_newer_version_mid_run_wins()
    {
        var provider = Guid.NewGuid();
        await SeedUsersAsync(provider);

        await fixture.DeliverAsync(Rules(provider, 1, units: [new MappingRule(Department, "*", null)]));
        // A newer rule set arrives while the first run is under way: the run starts over with it.
        await fixture.DeliverAsync(Rules(provider, 2, teams: [new MappingRule("title", "Title ${*}", "Title team ${*}")], units: [new MappingRule(Department, "Dept ${*}", "Unit ${*}")]));

        // SCIM events are not held up by the run.
        var user = Guid.NewGuid();
        var watch = Stopwatch.StartNew();
        await fixture.DeliverAsync(Provisioned(provider, user, 1, (Department, "Dept 42"), ("title", "Title 9")));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"a SCIM event took {watch.Elapsed} during a recomputation");

        var run = await RulesTests.WaitRecomputedAsync(fixture, provider, 2, seconds: 240);
        // The user provisioned during the run is counted when its id lies after the cursor it was created behind.
        Assert.InRange(run.Processed, Users, Users + 1);
        Assert.InRange(run.Total, run.Processed, Users + 1);

        string[] teams = ["Title team 0", "Title team 1", "Title team 2", "Title team 9"];
        Assert.Equal(teams, await Api.TeamNamesAsync(provider));
        var units = Enumerable.Range(0, 10).Select(i => $"Unit {i}").Append("Unit 42").Order().ToArray();
        // Units the first rule set made before the newer one replaced it stay, without members.
        var withMembers = (await Api.GetAsync($"/api/business-units?providerId={provider}&limit=100"))["items"]!.AsArray()
            .Where(b => b!["memberCount"]!.GetValue<int>() > 0).Select(b => b!["name"]!.GetValue<string>()).Order().ToArray();
        Assert.Equal(units, withMembers);
        Assert.Equal(Users + 1, await CountAsync(provider, MembershipSource.AttributeMapping, units: true));
        Assert.Equal(Users + 1, await CountAsync(provider, MembershipSource.AttributeMapping, units: false));
        var unit0 = await Api.GetAsync($"/api/business-units/{await Api.BusinessUnitIdAsync(provider, "Unit 0")}");
        Assert.Equal(Users / 10, unit0["memberCount"]!.GetValue<int>());
        // No business unit of the first rule set is left with members.
        Assert.All((await Api.GetAsync($"/api/business-units?providerId={provider}&search=dept"))["items"]!.AsArray(), b => Assert.Equal(0, b!["memberCount"]!.GetValue<int>()));
        Assert.Equal(Users + 1, fixture.Harness.ReportedNow(m => m.ProviderId == provider).Select(m => m.UserId).Distinct().Count());
    }

    [Fact]
    public async Task An_interrupted_run_resumes_after_its_cursor()
    {
        var ct = TestContext.Current.CancellationToken;
        var provider = Guid.NewGuid();
        await SeedUsersAsync(provider);
        var ids = await fixture.WithDbAsync(db => db.Database.SqlQuery<Guid>($"SELECT id AS \"Value\" FROM team_mapping.users WHERE provider_id = {provider} ORDER BY id").ToListAsync(ct));
        var cursor = ids[999];

        // State as a stopped replica leaves it: rules stored, the run at user 1000 (the first 1000 done before a new rule set was written).
        await fixture.WithDbAsync(async db =>
        {
            db.ProviderRules.Add(new ProviderRules { ProviderId = provider, Version = 5, BusinessUnitRules = [new MappingRule(Department, "*", null)], UpdatedAt = T0 });
            db.Recomputations.Add(new Recomputation
            {
                ProviderId = provider, MappingsVersion = 5, Status = RecomputationStatus.Running, Processed = 1000, Total = Users, Cursor = cursor, QueuedAt = T0, UpdatedAt = T0,
            });
            return await db.SaveChangesAsync(ct);
        });

        var run = await RulesTests.WaitRecomputedAsync(fixture, provider, 5, seconds: 240);
        Assert.Equal(Users, run.Processed);
        var members = await fixture.WithDbAsync(db => db.BusinessUnitMemberships.Where(m => ids.Contains(m.UserId)).Select(m => m.UserId).ToListAsync(ct));
        Assert.Equal(Users - 1000, members.Count);
        Assert.DoesNotContain(members, ids.Take(1000).Contains);
    }
}
