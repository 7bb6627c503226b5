using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Identity.Model;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.FunctionalTests;

public sealed class ScimUserEventsTests(IdentityApiFixture fixture) : IClassFixture<IdentityApiFixture>
{
    private static readonly Guid Provider = Guid.Parse("cccccccc-0000-4000-8000-000000000003");

    private static ScimUserSnapshot Snapshot(string userName, bool active = true, string? title = null) => new()
    {
        UserName = userName,
        DisplayName = $"Name of {userName}",
        Email = userName,
        Active = active,
        Attributes = title is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["title"] = title },
    };

    private static string UniqueUserName() => $"u-{Guid.NewGuid():N}@contoso.test";

    private async Task<JsonObject> GetUserAsync(Guid id)
    {
        var response = await fixture.CreateClient().GetAsync($"/api/users/{id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task Provisioned_user_is_listed_and_found_by_search_on_userName_email_and_name()
    {
        var ct = TestContext.Current.CancellationToken;
        var userName = UniqueUserName();
        var id = Guid.NewGuid();

        await fixture.DeliverAsync(new ScimUserProvisioned { ProviderId = Provider, UserId = id, Version = 1, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName, title: "Engineer") });

        foreach (var search in new[] { userName[..10].ToUpperInvariant(), userName, "name of u-" + userName[2..8] })
        {
            var list = await fixture.CreateClient().GetFromJsonAsync<JsonObject>($"/api/users?search={Uri.EscapeDataString(search)}&providerId={Provider}", ct);
            var item = Assert.Single(list!["items"]!.AsArray(), i => i!["id"]!.GetValue<Guid>() == id);
            Assert.Equal("active", item!["state"]!.GetValue<string>());
            Assert.Equal("Engineer", item["attributes"]!["title"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_burst_of_user_events_is_applied_in_batches_and_each_user_ends_on_its_newest_snapshot_and_its_own_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        var users = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).ToList();
        var names = users.ToDictionary(u => u, _ => UniqueUserName());
        var newestTraces = new Dictionary<Guid, string>();
        var messageIds = new List<Guid>();
        var deliveries = new List<Task>();
        string Deliver<T>(T message) where T : class
        {
            // Each message carries the trace of its own SCIM request, as the outbox relay stamps it.
            var id = Guid.NewGuid();
            var trace = ActivityTraceId.CreateRandom();
            messageIds.Add(id);
            deliveries.Add(fixture.DeliverAsync(message, id, traceParent: $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01"));
            return trace.ToHexString();
        }

        // Each user provisioned, then updated twice, all published at once (the newest update before the older one).
        foreach (var user in users)
        {
            Deliver(new ScimUserProvisioned { ProviderId = Provider, UserId = user, Version = 1, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(names[user], title: "v1") });
            newestTraces[user] = Deliver(new ScimUserUpdated { ProviderId = Provider, UserId = user, Version = 3, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(names[user], title: "v3") });
            Deliver(new ScimUserUpdated { ProviderId = Provider, UserId = user, Version = 2, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(names[user], title: "v2") });
        }

        await Task.WhenAll(deliveries);

        var stored = await fixture.WithDbAsync(db => db.Users.AsNoTracking().Where(u => users.Contains(u.Id)).ToListAsync(ct));
        Assert.Equal(users.Count, stored.Count);
        Assert.All(stored, u =>
        {
            Assert.Equal((3, 3, UserState.Active, "v3", names[u.Id]), (u.Version, u.SnapshotVersion, u.State, u.Attributes["title"], u.UserName));

            // The trace of the SCIM request that made the newest version, not the batch's (another user's) trace.
            Assert.Equal(newestTraces[u.Id], u.LastTraceId);
        });

        // Applied in far fewer transactions than messages: a batch's inbox rows share their transaction's timestamp.
        var transactions = await fixture.WithDbAsync(db => db.Set<InboxMessage>()
            .Where(m => messageIds.Contains(m.MessageId) && m.Consumer == "ScimUserEventsConsumer")
            .Select(m => m.ProcessedAt).Distinct().CountAsync(ct));
        Assert.InRange(transactions, 1, messageIds.Count / 2);
    }

    [Fact]
    public async Task Deactivation_suspends_and_reactivation_restores_the_user()
    {
        var userName = UniqueUserName();
        var id = Guid.NewGuid();
        await fixture.DeliverAsync(new ScimUserProvisioned { ProviderId = Provider, UserId = id, Version = 1, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName) });

        await fixture.DeliverAsync(new ScimUserDeactivated { ProviderId = Provider, UserId = id, Version = 2, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName, active: false) });
        Assert.Equal("suspended", (await GetUserAsync(id))["state"]!.GetValue<string>());

        await fixture.DeliverAsync(new ScimUserReactivated { ProviderId = Provider, UserId = id, Version = 3, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName) });
        var user = await GetUserAsync(id);
        Assert.Equal("active", user["state"]!.GetValue<string>());
        Assert.Equal(3, user["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task Events_out_of_order_leave_the_state_of_the_newest_version()
    {
        var userName = UniqueUserName();
        var id = Guid.NewGuid();

        await fixture.DeliverAsync(new ScimUserDeactivated { ProviderId = Provider, UserId = id, Version = 3, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName, active: false, title: "v3") });
        await fixture.DeliverAsync(new ScimUserUpdated { ProviderId = Provider, UserId = id, Version = 2, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName, title: "v2") });
        await fixture.DeliverAsync(new ScimUserProvisioned { ProviderId = Provider, UserId = id, Version = 1, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName, title: "v1") });

        var user = await GetUserAsync(id);
        Assert.Equal("suspended", user["state"]!.GetValue<string>());
        Assert.Equal("v3", user["attributes"]!["title"]!.GetValue<string>());
        Assert.Equal(3, user["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task Delete_overtaking_the_create_leaves_the_user_deleted()
    {
        var id = Guid.NewGuid();
        await fixture.DeliverAsync(new ScimUserDeleted { ProviderId = Provider, UserId = id, Version = 2, OccurredAt = DateTimeOffset.UtcNow });
        var userName = UniqueUserName();
        await fixture.DeliverAsync(new ScimUserProvisioned { ProviderId = Provider, UserId = id, Version = 1, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(userName, title: "v1") });

        var user = await GetUserAsync(id);
        Assert.Equal("deleted", user["state"]!.GetValue<string>());
        Assert.Equal(2, user["version"]!.GetValue<long>());
        // The delete carries no snapshot: the profile still comes from the newest one.
        Assert.Equal(userName, user["userName"]!.GetValue<string>());
        Assert.Equal("v1", user["attributes"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Redelivery_of_the_same_message_is_recorded_once_in_the_inbox()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = Guid.NewGuid();
        var messageId = Guid.NewGuid();
        var message = new ScimUserProvisioned { ProviderId = Provider, UserId = id, Version = 1, OccurredAt = DateTimeOffset.UtcNow, User = Snapshot(UniqueUserName()) };

        await fixture.DeliverAsync(message, messageId);
        await fixture.DeliverAsync(message, messageId, deliveries: 2);

        Assert.Equal(1, await fixture.WithDbAsync(db => db.Set<InboxMessage>().CountAsync(m => m.MessageId == messageId, ct)));
        Assert.Equal(1, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.Id == id, ct)));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("offset=-1")]
    [InlineData("state=gone")]
    public async Task List_with_invalid_parameters_returns_400_problem(string query)
    {
        var response = await fixture.CreateClient().GetAsync($"/api/users?{query}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_user_returns_404()
    {
        var response = await fixture.CreateClient().GetAsync($"/api/users/{Guid.NewGuid()}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
