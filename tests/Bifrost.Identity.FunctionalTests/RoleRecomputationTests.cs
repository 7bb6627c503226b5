using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Identity.Model;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.FunctionalTests;

public sealed class RoleRecomputationTests(IdentityApiFixture fixture) : IClassFixture<IdentityApiFixture>
{
    private const int Users = 3000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => fixture.CreateClient();

    private static object Body(string name, string strategy, params object[] roleRules) =>
        new { name, kind = "entra", mappings = new { roleResolutionStrategy = strategy, roleRules } };

    /// <summary>A provider with <see cref="Users"/> users written straight to the table: titles Lead (every third) or Dev.</summary>
    private async Task<(Guid Provider, string Name)> ProviderWithUsersAsync()
    {
        var name = $"p-{Guid.NewGuid():N}";
        var response = await Client.PostAsJsonAsync("/api/providers", Body(name, "mostPermissions", new { attribute = "title", value = "Lead", role = "admin" }), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var provider = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();
        await fixture.WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            db.Users.AddRange(Enumerable.Range(0, Users).Select(i => new GovernanceUser
            {
                Id = Guid.NewGuid(),
                ProviderId = provider,
                UserName = $"{name}-{i:D5}@contoso.test",
                State = UserState.Active,
                Attributes = new() { ["title"] = i % 3 == 0 ? "Lead" : "Dev" },
                Version = 1,
                CreatedAt = now,
                UpdatedAt = now,
            }));
            return await db.SaveChangesAsync(Ct);
        });
        return (provider, name);
    }

    private async Task<JsonObject> CompletedAsync(Guid provider, long version) =>
        await Eventually.WaitAsync(
            async () => (await Client.GetFromJsonAsync<JsonObject>($"/api/providers/{provider}/recomputation", Ct))!,
            r => r["mappingsVersion"]!.GetValue<long>() == version && r["status"]!.GetValue<string>() is "completed" or "failed",
            TimeSpan.FromSeconds(120),
            $"the recomputation of mappings version {version} finished");

    private Task<Dictionary<string, int>> RolesAsync(Guid provider) =>
        fixture.WithDbAsync(db => db.Users.AsNoTracking().Where(u => u.ProviderId == provider)
            .GroupBy(u => u.Role ?? "none").Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, Ct));

    [Fact]
    public async Task Rule_change_recomputes_every_users_role_in_the_background_with_visible_progress()
    {
        var (provider, name) = await ProviderWithUsersAsync();

        var put = await Client.PutAsJsonAsync($"/api/providers/{provider}",
            Body(name, "firstMatch", new { attribute = "title", value = "Dev", role = "developer" }, new { attribute = "title", value = "*", role = "viewer" }), Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var seenRunning = await Eventually.WaitAsync(
            async () => (await Client.GetFromJsonAsync<JsonObject>($"/api/providers/{provider}/recomputation", Ct))!,
            r => r["status"]!.GetValue<string>() is "queued" or "running" or "completed",
            TimeSpan.FromSeconds(30),
            "the recomputation is visible");
        Assert.Equal(2, seenRunning["mappingsVersion"]!.GetValue<long>());

        var done = await CompletedAsync(provider, 2);
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(Users, done["total"]!.GetValue<int>());
        Assert.Equal(Users, done["processed"]!.GetValue<int>());
        Assert.NotNull(done["startedAt"]);
        Assert.NotNull(done["completedAt"]);

        var roles = await RolesAsync(provider);
        Assert.Equal(Users - Users / 3, roles["developer"]);
        Assert.Equal(Users / 3, roles["viewer"]);
        Assert.False(roles.ContainsKey("admin"));
        var sample = await fixture.WithDbAsync(db => db.Users.AsNoTracking().Where(u => u.ProviderId == provider && u.Role == "viewer").FirstAsync(Ct));
        Assert.Equal(new RoleReason(1, "title", "*", "Lead", "firstMatch", 2), sample.RoleReason);
    }

    [Fact]
    public async Task Rule_change_during_a_run_restarts_it_with_the_newest_rules()
    {
        var (provider, name) = await ProviderWithUsersAsync();

        var first = await Client.PutAsJsonAsync($"/api/providers/{provider}", Body(name, "mostPermissions", new { attribute = "title", value = "*", role = "developer" }), Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var second = await Client.PutAsJsonAsync($"/api/providers/{provider}", Body(name, "mostPermissions", new { attribute = "title", value = "Lead", role = "viewer" }), Ct);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        var done = await CompletedAsync(provider, 3);
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(Users, done["processed"]!.GetValue<int>());
        var roles = await RolesAsync(provider);
        Assert.Equal(Users / 3, roles["viewer"]);
        Assert.Equal(Users - Users / 3, roles["none"]);
        Assert.False(roles.ContainsKey("developer"));
    }

    [Fact]
    public async Task Provider_without_a_rule_change_has_no_recomputation()
    {
        var response = await Client.PostAsJsonAsync("/api/providers", new { name = $"p-{Guid.NewGuid():N}", kind = "entra" }, Ct);
        var provider = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/providers/{provider}/recomputation", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/providers/{Guid.NewGuid()}/recomputation", Ct)).StatusCode);
    }
}
