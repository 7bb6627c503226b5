using Bifrost.Contracts.Providers;
using Bifrost.Contracts.Scim;
using Bifrost.TeamMapping.Model;
using Bifrost.TeamMapping.Services;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using static Bifrost.TeamMapping.FunctionalTests.Events;

namespace Bifrost.TeamMapping.FunctionalTests;

/// <summary>Two instances of the service, each on a fresh database of its own.</summary>
public sealed class ReplayFixture : IAsyncLifetime
{
    public TeamMappingFixture InOrder { get; } = new();

    public TeamMappingFixture Shuffled { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await InOrder.InitializeAsync();
        await Shuffled.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await InOrder.DisposeAsync();
        await Shuffled.DisposeAsync();
    }
}

public sealed class ShuffledReplayTests(ReplayFixture fixture) : IClassFixture<ReplayFixture>
{
    private static readonly string[] Departments = ["Platform", "Research", "Sales", "Support", "Finance", "Legal", "Ops", "Design"];
    private static readonly string[] Titles = ["Engineer", "Manager", "Analyst", "Director"];
    private static readonly string[] Squads = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"];

    [Fact]
    public async Task Events_applied_shuffled_and_duplicated_leave_the_same_teams_business_units_and_memberships_as_in_order()
    {
        var provider = Guid.NewGuid();
        var stream = Generate(provider, new Random(20261129), steps: 2100);
        Assert.True(stream.Count >= 2000, $"only {stream.Count} events");

        foreach (var (message, id) in stream)
        {
            await fixture.InOrder.DeliverAnyAsync(message, id);
        }

        // The same events (same message ids) in a random order, one in eight delivered twice, sixteen at a time.
        var random = new Random(42);
        var deliveries = stream.Select(e => (e.Message, e.Id, Times: random.Next(8) == 0 ? 2 : 1)).OrderBy(_ => random.Next()).ToList();
        foreach (var chunk in deliveries.Chunk(16))
        {
            await Task.WhenAll(chunk.Select(async d =>
            {
                await fixture.Shuffled.DeliverAnyAsync(d.Message, d.Id);
                if (d.Times == 2)
                {
                    await fixture.Shuffled.DeliverAnyAsync(d.Message, d.Id, deliveries: 2);
                }
            }));
        }

        await RulesTests.WaitRecomputedAsync(fixture.InOrder, provider, 2, seconds: 120);
        await RulesTests.WaitRecomputedAsync(fixture.Shuffled, provider, 2, seconds: 120);

        var expected = await StateAsync(fixture.InOrder, provider);
        var actual = await StateAsync(fixture.Shuffled, provider);
        Assert.True(expected.TeamMemberships.Count(m => m.Contains("AttributeMapping")) > 100, "the stream exercises the team rules");
        Assert.True(expected.UnitMemberships.Count > 100, "the stream exercises the business-unit rules");
        Assert.Contains(expected.TeamMemberships, m => m.Contains("ScimGroup"));
        Assert.Contains(expected.Users, u => u.Contains("Suspended"));
        Assert.Contains(expected.Users, u => u.Contains("Deleted"));
        Assert.Equal(expected.Teams, actual.Teams);
        Assert.Equal(expected.Units, actual.Units);
        Assert.Equal(expected.Users, actual.Users);
        Assert.Equal(expected.TeamMemberships, actual.TeamMemberships);
        Assert.Equal(expected.UnitMemberships, actual.UnitMemberships);

        // Each instance's reports, applied in version order, give every user exactly the teams and business units the
        // instance holds: no change went unreported, whichever order the events came in.
        await ReportedMatchesStateAsync(fixture.InOrder, provider);
        await ReportedMatchesStateAsync(fixture.Shuffled, provider);
    }

    private static async Task ReportedMatchesStateAsync(TeamMappingFixture service, Guid provider)
    {
        var held = await service.WithDbAsync(async db =>
        {
            var ct = TestContext.Current.CancellationToken;
            var teams = await (from m in db.Memberships
                               join t in db.Teams on m.TeamId equals t.Id
                               where t.ProviderId == provider && m.Active && t.ArchivedAt == null
                               select new { m.UserId, t.Id, t.Name, m.Source, Team = true }).ToListAsync(ct);
            var units = await (from m in db.BusinessUnitMemberships
                               join b in db.BusinessUnits on m.BusinessUnitId equals b.Id
                               where b.ProviderId == provider
                               select new { m.UserId, b.Id, b.Name, m.Source, Team = false }).ToListAsync(ct);
            var users = await db.Users.AsNoTracking().Where(u => u.ProviderId == provider).Select(u => u.Id).ToListAsync(ct);
            var all = teams.Concat(units).ToLookup(g => g.UserId);
            return users.ToDictionary(u => u, u => Describe(all[u].GroupBy(g => (g.Team, g.Id)).Select(g =>
                (g.Key.Team, g.Key.Id, g.First().Name, g.Select(x => AffiliationRefresher.SourceName(x.Source)).Distinct().Order(StringComparer.Ordinal).ToList()))));
        });

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var reported = service.Harness.AffiliationsNowByUser(provider);
            var mismatched = held.Where(h => h.Value != (reported.TryGetValue(h.Key, out var r)
                ? Describe(r.Teams.Select(t => (true, t.Id, t.Name, t.Sources.ToList())).Concat(r.BusinessUnits.Select(b => (false, b.Id, b.Name, b.Sources.ToList()))))
                : "")).ToList();
            if (mismatched.Count == 0)
            {
                Assert.True(held.Count(h => h.Value.Length > 0) > 100, "most users have affiliations");
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{mismatched.Count} users' reported affiliations differ from the state, e.g. {mismatched[0].Key}: held {mismatched[0].Value}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        static string Describe(IEnumerable<(bool Team, Guid Id, string Name, List<string> Sources)> entries) =>
            string.Join("; ", entries.OrderBy(e => e.Team).ThenBy(e => e.Id).Select(e => $"{(e.Team ? "team" : "unit")} {e.Id} {e.Name} [{string.Join(",", e.Sources)}]"));
    }

    private sealed record State(List<string> Teams, List<string> Units, List<string> Users, List<string> TeamMemberships, List<string> UnitMemberships);

    /// <summary>
    /// The provider's teams (SCIM-group teams, and rule-made or manual ones that have members: a rule set that was
    /// superseded before it was applied never made its teams), business units with members, users, and every
    /// membership row with its source and active flag.
    /// </summary>
    private static Task<State> StateAsync(TeamMappingFixture service, Guid provider) => service.WithDbAsync(async db =>
    {
        var ct = TestContext.Current.CancellationToken;
        var teams = await db.Teams.AsNoTracking().Where(t => t.ProviderId == provider && (t.ScimGroupId != null || db.Memberships.Any(m => m.TeamId == t.Id)))
            .Select(t => $"{t.Id} {t.Name} archived={t.ArchivedAt != null} v{t.ScimGroupVersion}").ToListAsync(ct);
        var units = await db.BusinessUnits.AsNoTracking().Where(b => b.ProviderId == provider && db.BusinessUnitMemberships.Any(m => m.BusinessUnitId == b.Id))
            .Select(b => $"{b.Id} {b.Name}").ToListAsync(ct);
        var users = await db.Users.AsNoTracking().Where(u => u.ProviderId == provider).Select(u => $"{u.Id} {u.State} v{u.Version}").ToListAsync(ct);
        var teamMemberships = await db.Memberships.AsNoTracking().Where(m => db.Teams.Any(t => t.Id == m.TeamId && t.ProviderId == provider))
            .Select(m => $"{m.TeamId} {m.UserId} {m.Source} active={m.Active}").ToListAsync(ct);
        var unitMemberships = await db.BusinessUnitMemberships.AsNoTracking().Where(m => db.BusinessUnits.Any(b => b.Id == m.BusinessUnitId && b.ProviderId == provider))
            .Select(m => $"{m.BusinessUnitId} {m.UserId} {m.Source}").ToListAsync(ct);
        return new State([.. teams.Order(StringComparer.Ordinal)], [.. units.Order(StringComparer.Ordinal)], [.. users.Order(StringComparer.Ordinal)],
            [.. teamMemberships.Order(StringComparer.Ordinal)], [.. unitMemberships.Order(StringComparer.Ordinal)]);
    });

    /// <summary>
    /// A directory's life as ingestion reports it: users provisioned, updated, suspended, reactivated and deleted;
    /// groups created, renamed and deleted; members added and removed in batches; the provider's rules set at the
    /// start and changed half-way. Every resource's versions grow in order.
    /// </summary>
    private static List<(object Message, Guid Id)> Generate(Guid provider, Random random, int steps)
    {
        var events = new List<object>
        {
            Rules(provider, 1,
                teams: [new MappingRule(Department, "*", null), new MappingRule("groups", "Bifrost Playground: ${*} Team", null)],
                units: [new MappingRule("title", "*", null)]),
        };
        var users = new Dictionary<Guid, (long Version, bool Active, (string, string)[] Attributes)>();
        var deleted = new HashSet<Guid>();
        var groups = new Dictionary<Guid, (long Version, HashSet<Guid> Members)>();
        var groupCount = 0;
        (string, string)[] Attributes() => [(Department, Departments[random.Next(Departments.Length)]), ("title", Titles[random.Next(Titles.Length)])];
        Guid AnyUser() => users.Keys.ElementAt(random.Next(users.Count));

        for (var step = 0; step < steps; step++)
        {
            if (step == steps / 2)
            {
                events.Add(Rules(provider, 2,
                    teams: [new MappingRule("title", "engineer", "Builders"), new MappingRule("groups", "Bifrost Playground: ${*} Team", "Squad ${*}")],
                    units: [new MappingRule(Department, "*", null), new MappingRule("groups", "*", "Grouped")]));
            }

            var roll = random.Next(100);
            if (users.Count < 40 || (roll < 20 && users.Count < 500))
            {
                var user = Guid.NewGuid();
                users[user] = (1, true, Attributes());
                events.Add(Provisioned(provider, user, 1, users[user].Attributes));
            }
            else if (roll < 35)
            {
                var user = AnyUser();
                var (version, active, _) = users[user];
                users[user] = (version + 1, active, Attributes());
                events.Add(new ScimUserUpdated { ProviderId = provider, UserId = user, Version = version + 1, OccurredAt = T0, User = Snapshot(active, users[user].Attributes) });
            }
            else if (roll < 42)
            {
                var user = AnyUser();
                var (version, active, attributes) = users[user];
                users[user] = (version + 1, !active, attributes);
                events.Add(active ? Deactivated(provider, user, version + 1, attributes) : Reactivated(provider, user, version + 1, attributes));
            }
            else if (roll < 45)
            {
                var user = AnyUser();
                events.Add(Deleted(provider, user, users[user].Version + 1));
                users.Remove(user);
                deleted.Add(user);
            }
            else if (groups.Count < 5 || (roll < 50 && groupCount < 30))
            {
                var group = Guid.NewGuid();
                var name = groupCount % 2 == 0 ? $"Bifrost Playground: {Squads[groupCount / 2 % Squads.Length]} Team" : $"Group {groupCount}";
                groupCount++;
                groups[group] = (1, []);
                events.Add(GroupCreated(provider, group, name));
            }
            else if (roll < 53)
            {
                var group = groups.Keys.ElementAt(random.Next(groups.Count));
                var (version, members) = groups[group];
                groups[group] = (version + 1, members);
                events.Add(GroupRenamed(provider, group, $"Bifrost Playground: {Squads[random.Next(Squads.Length)]} Team", version + 1));
            }
            else if (roll < 54 && groups.Count > 10)
            {
                var group = groups.Keys.ElementAt(random.Next(groups.Count));
                events.Add(GroupDeleted(provider, group, groups[group].Version + 1));
                groups.Remove(group);
            }
            else if (roll < 85)
            {
                var group = groups.Keys.ElementAt(random.Next(groups.Count));
                var (version, members) = groups[group];
                var batch = users.Keys.Where(u => !members.Contains(u)).OrderBy(_ => random.Next()).Take(random.Next(1, 20)).ToArray();
                if (batch.Length > 0)
                {
                    members.UnionWith(batch);
                    groups[group] = (version + 1, members);
                    events.Add(MembersAdded(provider, group, version + 1, batch));
                }
            }
            else
            {
                var group = groups.Keys.ElementAt(random.Next(groups.Count));
                var (version, members) = groups[group];
                var batch = members.OrderBy(_ => random.Next()).Take(random.Next(1, 10)).ToArray();
                if (batch.Length > 0)
                {
                    members.ExceptWith(batch);
                    groups[group] = (version + 1, members);
                    events.Add(MembersRemoved(provider, group, version + 1, batch));
                }
            }
        }

        return [.. events.Select(e => (e, NewId.NextGuid()))];
    }
}
