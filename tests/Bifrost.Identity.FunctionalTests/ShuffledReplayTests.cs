using System.Net;
using System.Net.Http.Json;
using Bifrost.Contracts.Scim;
using Bifrost.Identity.Infrastructure;
using Bifrost.Identity.Model;
using Bifrost.Identity.Services;
using Bifrost.Messaging;
using Bifrost.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.FunctionalTests;

/// <summary>
/// Issue #5, "correctness under redelivery and reordering": one generated SCIM event stream applied in order to one
/// identity database, and shuffled with duplicates (same and new message ids) to another, all at once, so the consumers
/// also run concurrently. Both must end in the state the generator's own model predicts.
/// </summary>
public sealed class ShuffledReplayTests
{
    private const string Department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
    private static readonly Guid Provider = IdentityApiFixture.SeededProviderId;

    private static readonly ProviderMappings Mappings = new()
    {
        ScimAttributes = [Department],
        RoleResolutionStrategy = RoleResolutionStrategy.MostPermissions,
        RoleRules =
        [
            new RoleRule("groups", "Admins", "admin"),
            new RoleRule("title", "Lead", "developer"),
            new RoleRule("groups", "*", "viewer"),
        ],
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Shuffled_stream_with_duplicates_ends_in_the_same_state_as_the_ordered_one()
    {
        var stream = new EventStream(new Random(5150), users: 150, groups: 12, events: 2000);
        await using var ordered = new IdentityApiFixture();
        await using var shuffled = new IdentityApiFixture();
        await ordered.InitializeAsync();
        await shuffled.InitializeAsync();
        await SetRulesAsync(ordered);
        await SetRulesAsync(shuffled);

        foreach (var message in stream.Events)
        {
            await DeliverAsync(ordered, message);
        }

        var random = new Random(42);
        var deliveries = stream.Events.Select(e => (Message: e, Id: NewId.NextGuid())).ToList();
        deliveries.AddRange(deliveries.Where(_ => random.NextDouble() < 0.10).ToList()); // redelivered: same message id
        deliveries.AddRange(deliveries.Where(_ => random.NextDouble() < 0.05).Select(d => (d.Message, NewId.NextGuid())).ToList()); // re-published
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(deliveries));
        foreach (var (message, id) in deliveries)
        {
            var batch = typeof(EventBatch).GetMethod(nameof(EventBatch.Of))!.MakeGenericMethod(message.GetType()).Invoke(null, [message, id, null])!;
            await shuffled.Harness.Bus.Publish(batch, batch.GetType(), c => c.MessageId = id, Ct);
        }

        var distinct = deliveries.Select(d => d.Id).Distinct().Count();
        await Eventually.WaitAsync(
            () => shuffled.WithDbAsync(db => db.Set<InboxMessage>().CountAsync(Ct)),
            count => count >= distinct,
            TimeSpan.FromMinutes(4),
            $"all {distinct} distinct messages were applied");

        var expected = stream.Expected();
        var inOrder = await SnapshotAsync(ordered);
        var replayed = await SnapshotAsync(shuffled);

        Assert.Equal(expected.Keys.Order(), inOrder.Keys.Order());
        foreach (var (id, want) in expected)
        {
            var got = inOrder[id];
            Assert.Equal((want.State, want.Role, string.Join("|", want.Groups)), (got.State, got.Role, string.Join("|", got.Groups)));
            Assert.Equal(want.Reason, got.Reason);
        }

        Assert.Equal(inOrder.Count, replayed.Count);
        foreach (var (id, want) in inOrder)
        {
            Assert.Equal(want.ToString(), replayed[id].ToString());
        }

        // The stream exercised what it claims to.
        Assert.Contains(expected.Values, u => u.Role == "admin");
        Assert.Contains(expected.Values, u => u.Role == "developer");
        Assert.Contains(expected.Values, u => u.Role == "viewer");
        Assert.Contains(expected.Values, u => u.Role is null);
        Assert.Contains(expected.Values, u => u.State == UserState.Suspended);
        Assert.Contains(expected.Values, u => u.State == UserState.Deleted);
    }

    /// <summary>One message, in order, through the real consumers (DeliverAsync needs the message's own type).</summary>
    private static Task DeliverAsync(IdentityApiFixture fixture, object message) => message switch
    {
        ScimUserProvisioned m => fixture.DeliverAsync(m),
        ScimUserUpdated m => fixture.DeliverAsync(m),
        ScimUserDeactivated m => fixture.DeliverAsync(m),
        ScimUserReactivated m => fixture.DeliverAsync(m),
        ScimUserDeleted m => fixture.DeliverAsync(m),
        ScimGroupCreated m => fixture.DeliverAsync(m),
        ScimGroupRenamed m => fixture.DeliverAsync(m),
        ScimGroupDeleted m => fixture.DeliverAsync(m),
        ScimGroupMembersAdded m => fixture.DeliverAsync(m),
        ScimGroupMembersRemoved m => fixture.DeliverAsync(m),
        _ => throw new ArgumentException($"Unexpected message {message.GetType().Name}"),
    };

    private static async Task SetRulesAsync(IdentityApiFixture fixture)
    {
        var response = await fixture.CreateClient().PutAsJsonAsync($"/api/providers/{Provider}", new
        {
            name = "Seeded Entra",
            kind = "entra",
            mappings = new
            {
                scimAttributes = Mappings.ScimAttributes,
                roleResolutionStrategy = "mostPermissions",
                roleRules = Mappings.RoleRules.Select(r => new { attribute = r.Attribute, value = r.Value, role = r.Role }),
            },
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private sealed record UserState2(UserState State, string? Role, RoleReason? Reason, IReadOnlyList<string> Groups, string Profile, long Version, string UserName)
    {
        public override string ToString() => $"{State} {Role} {Reason} [{string.Join("|", Groups)}] {Profile} v{Version} {UserName}";
    }

    private static Task<Dictionary<Guid, UserState2>> SnapshotAsync(IdentityApiFixture fixture) => fixture.WithDbAsync(async db =>
    {
        var users = await db.Users.AsNoTracking().Where(u => u.ProviderId == Provider).ToListAsync(Ct);
        var groups = await (from m in db.GroupMemberships
                            join g in db.Groups on m.GroupId equals g.Id
                            where m.Active && !g.Deleted && g.DisplayName != null
                            select new { m.UserId, g.DisplayName }).ToListAsync(Ct);
        var byUser = groups.ToLookup(g => g.UserId, g => g.DisplayName!);
        return users.ToDictionary(u => u.Id, u => new UserState2(
            u.State, u.Role, u.RoleReason, [.. byUser[u.Id].Order(StringComparer.Ordinal)],
            string.Join(";", u.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")), u.Version, u.UserName));
    });

    /// <summary>
    /// A realistic SCIM stream from a model of users and groups: provisioning, attribute updates, deactivation and
    /// reactivation, deletion, group creation and renames (sometimes to "Admins"), batched member additions and
    /// removals, group deletion. Versions are per user and per group, as ingestion assigns them.
    /// </summary>
    private sealed class EventStream
    {
        private static readonly string[] Titles = ["Lead", "Dev", "Ops", ""];
        private readonly List<UserModel> _users = [];
        private readonly List<GroupModel> _groups = [];

        public List<object> Events { get; } = [];

        public EventStream(Random random, int users, int groups, int events)
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < users; i++)
            {
                var user = new UserModel(Guid.NewGuid(), $"user{i:D3}@contoso.test") { Title = Titles[random.Next(Titles.Length)], Department = $"D{random.Next(4)}" };
                _users.Add(user);
                Events.Add(new ScimUserProvisioned { ProviderId = Provider, UserId = user.Id, Version = ++user.Version, OccurredAt = now, User = user.Snapshot() });
            }

            for (var g = 0; g < groups; g++)
            {
                var group = new GroupModel(Guid.NewGuid()) { Name = g < 2 ? "Admins" : $"Team {g}" };
                _groups.Add(group);
                Events.Add(new ScimGroupCreated { ProviderId = Provider, GroupId = group.Id, Version = ++group.Version, OccurredAt = now, DisplayName = group.Name });
            }

            while (Events.Count < events)
            {
                var user = _users[random.Next(_users.Count)];
                var group = _groups[random.Next(_groups.Count)];
                var roll = random.Next(100);
                if (roll < 25 && !user.Deleted)
                {
                    user.Title = Titles[random.Next(Titles.Length)];
                    user.Department = $"D{random.Next(4)}";
                    Events.Add(new ScimUserUpdated { ProviderId = Provider, UserId = user.Id, Version = ++user.Version, OccurredAt = now, User = user.Snapshot() });
                }
                else if (roll < 35 && !user.Deleted)
                {
                    user.Active = !user.Active;
                    Events.Add(user.Active
                        ? new ScimUserReactivated { ProviderId = Provider, UserId = user.Id, Version = ++user.Version, OccurredAt = now, User = user.Snapshot() }
                        : new ScimUserDeactivated { ProviderId = Provider, UserId = user.Id, Version = ++user.Version, OccurredAt = now, User = user.Snapshot() });
                }
                else if (roll < 37 && !user.Deleted)
                {
                    user.Deleted = true;
                    Events.Add(new ScimUserDeleted { ProviderId = Provider, UserId = user.Id, Version = ++user.Version, OccurredAt = now });
                }
                else if (roll < 43 && !group.Deleted && group != _groups[0])
                {
                    group.Name = random.Next(4) == 0 ? "Admins" : $"Team {random.Next(1000)}";
                    Events.Add(new ScimGroupRenamed { ProviderId = Provider, GroupId = group.Id, Version = ++group.Version, OccurredAt = now, DisplayName = group.Name });
                }
                else if (roll < 72 && !group.Deleted)
                {
                    var batch = _users.Where(u => !u.Deleted && !group.Members.Contains(u.Id)).OrderBy(_ => random.Next()).Take(random.Next(1, 25)).Select(u => u.Id).ToList();
                    if (batch.Count > 0)
                    {
                        group.Members.UnionWith(batch);
                        Events.Add(new ScimGroupMembersAdded { ProviderId = Provider, GroupId = group.Id, Version = ++group.Version, OccurredAt = now, MemberIds = batch });
                    }
                }
                else if (roll < 99 && !group.Deleted)
                {
                    var batch = group.Members.Where(id => !_users.Single(u => u.Id == id).Deleted).OrderBy(_ => random.Next()).Take(random.Next(1, 15)).ToList();
                    if (batch.Count > 0)
                    {
                        group.Members.ExceptWith(batch);
                        Events.Add(new ScimGroupMembersRemoved { ProviderId = Provider, GroupId = group.Id, Version = ++group.Version, OccurredAt = now, MemberIds = batch });
                    }
                }
                else if (!group.Deleted && group != _groups[0] && _groups.Count(g => !g.Deleted) > 4)
                {
                    group.Deleted = true;
                    Events.Add(new ScimGroupDeleted { ProviderId = Provider, GroupId = group.Id, Version = ++group.Version, OccurredAt = now });
                }
            }

            TopUpAdmins(now);
        }

        /// <summary>Group 0 stays "Admins" and ends with live members, so the stream always has admins.</summary>
        private void TopUpAdmins(DateTimeOffset now)
        {
            var admins = _groups[0];
            var batch = _users.Where(u => !u.Deleted && !admins.Members.Contains(u.Id)).Take(3).Select(u => u.Id).ToList();
            admins.Members.UnionWith(batch);
            Events.Add(new ScimGroupMembersAdded { ProviderId = Provider, GroupId = admins.Id, Version = ++admins.Version, OccurredAt = now, MemberIds = batch });
        }

        /// <summary>The final state the model predicts: state, role and reason from <see cref="RoleResolver"/>, group names.</summary>
        public Dictionary<Guid, (UserState State, string? Role, RoleReason? Reason, List<string> Groups)> Expected() => _users.ToDictionary(u => u.Id, u =>
        {
            var groups = _groups.Where(g => !g.Deleted && g.Members.Contains(u.Id)).Select(g => g.Name).Order(StringComparer.Ordinal).ToList();
            var snapshot = u.Snapshot();
            var decision = RoleResolver.Resolve(Mappings, 2, new Bifrost.Mapping.RuleSubject(snapshot.Attributes, snapshot.Email, groups) { UserName = snapshot.UserName, DisplayName = snapshot.DisplayName });
            var state = u.Deleted ? UserState.Deleted : u.Active ? UserState.Active : UserState.Suspended;
            return (state, decision?.Role, decision?.Reason, groups);
        });

        private sealed class UserModel(Guid id, string userName)
        {
            public Guid Id { get; } = id;
            public long Version { get; set; }
            public string Title { get; set; } = "";
            public string Department { get; set; } = "";
            public bool Active { get; set; } = true;
            public bool Deleted { get; set; }

            public ScimUserSnapshot Snapshot() => new()
            {
                UserName = userName,
                DisplayName = $"Name {userName}",
                Email = userName,
                Active = Active,
                Attributes = new Dictionary<string, string>
                {
                    ["userName"] = userName, ["displayName"] = $"Name {userName}", ["title"] = Title, [Department] = Department, ["active"] = Active ? "true" : "false",
                },
            };
        }

        private sealed class GroupModel(Guid id)
        {
            public Guid Id { get; } = id;
            public string Name { get; set; } = "";
            public long Version { get; set; }
            public bool Deleted { get; set; }
            public HashSet<Guid> Members { get; } = [];
        }
    }
}
