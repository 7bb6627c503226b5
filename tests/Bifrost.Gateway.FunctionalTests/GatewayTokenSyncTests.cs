using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Providers;
using Bifrost.Messaging;
using Bifrost.Testing;
using MassTransit;

namespace Bifrost.Gateway.FunctionalTests;

/// <summary>The gateway learns provisioning tokens from identity: its start-up snapshot, then the token events.</summary>
public sealed class GatewayTokenSyncTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpStatusCode> ScimStatusAsync(string token) =>
        (await fixture.CreateClient(token).GetAsync("/scim/v2/Users", Ct)).StatusCode;

    private Task WaitForStatusAsync(string token, HttpStatusCode expected, string because) =>
        Eventually.WaitAsync(() => ScimStatusAsync(token), status => status == expected, TimeSpan.FromSeconds(15), because);

    [Fact]
    public async Task Token_from_identitys_start_up_snapshot_is_accepted_for_its_provider()
    {
        await WaitForStatusAsync(GatewayFixture.SnapshotProviderToken, HttpStatusCode.OK, "the snapshot token is accepted");

        var response = await fixture.CreateClient(GatewayFixture.SnapshotProviderToken).GetAsync("/scim/v2/Users", Ct);

        var echo = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(GatewayFixture.SnapshotProviderId.ToString(), echo!["headers"]!["X-Bifrost-Provider"]!.GetValue<string>());
        Assert.True(fixture.SnapshotRequests >= 1);
    }

    [Fact]
    public async Task Configured_token_that_identity_revoked_is_refused_once_the_snapshot_is_loaded()
    {
        await WaitForStatusAsync(GatewayFixture.SnapshotProviderToken, HttpStatusCode.OK, "the snapshot is loaded");

        var response = await fixture.CreateClient(GatewayFixture.RetiredProviderToken).GetAsync("/scim/v2/Users", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, await ScimStatusAsync(GatewayFixture.ProviderToken)); // other configured providers still work
    }

    [Fact]
    public async Task Health_reports_healthy_once_the_snapshot_is_loaded()
    {
        await WaitForStatusAsync(GatewayFixture.SnapshotProviderToken, HttpStatusCode.OK, "the snapshot is loaded");

        var response = await fixture.CreateClient().GetAsync("/health", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Token_events_issue_rotate_and_revoke_and_stale_redeliveries_change_nothing()
    {
        var provider = Guid.NewGuid();
        var first = $"first-{Guid.NewGuid():N}";
        var second = $"second-{Guid.NewGuid():N}";
        await WaitForStatusAsync(GatewayFixture.SnapshotProviderToken, HttpStatusCode.OK, "the gateway is warm");

        await PublishIssuedAsync(provider, first, version: 1);
        await WaitForStatusAsync(first, HttpStatusCode.OK, "the issued token is accepted");
        var echo = await fixture.CreateClient(first).GetFromJsonAsync<JsonObject>("/scim/v2/Users", Ct);
        Assert.Equal(provider.ToString(), echo!["headers"]!["X-Bifrost-Provider"]!.GetValue<string>());

        await PublishIssuedAsync(provider, second, version: 2);
        await WaitForStatusAsync(first, HttpStatusCode.Unauthorized, "the rotated-away token is refused");
        Assert.Equal(HttpStatusCode.OK, await ScimStatusAsync(second));

        // A late or repeated delivery of the first issue must not bring the old token back.
        await PublishIssuedAsync(provider, first, version: 1);
        await fixture.Harness.Bus.Publish(EventBatch.Of(new ProvisioningTokenRevoked { ProviderId = provider, Version = 3, OccurredAt = DateTimeOffset.UtcNow }, NewId.NextGuid()), Ct);
        await WaitForStatusAsync(second, HttpStatusCode.Unauthorized, "the revoked token is refused");
        await PublishIssuedAsync(provider, second, version: 2);
        await Eventually.WaitAsync(
            () => Task.FromResult(fixture.Harness.Consumed.Select<EventBatch<ProvisioningTokenIssued>>().Count(m => m.Context.Message.Events.Any(e => e.Message.ProviderId == provider))),
            count => count >= 4,
            TimeSpan.FromSeconds(15),
            "the gateway consumed every issue event");
        Assert.Equal(HttpStatusCode.Unauthorized, await ScimStatusAsync(first));
        Assert.Equal(HttpStatusCode.Unauthorized, await ScimStatusAsync(second));
    }

    [Fact]
    public async Task Internal_token_snapshot_is_not_reachable_through_the_gateway()
    {
        var anonymous = await fixture.CreateClient().GetAsync("/internal/providers/tokens", Ct);
        var admin = await fixture.CreateClient(GatewayFixture.AdminKey).GetAsync("/internal/providers/tokens", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
    }

    private Task PublishIssuedAsync(Guid provider, string token, long version) =>
        fixture.Harness.Bus.Publish(EventBatch.Of(new ProvisioningTokenIssued
        {
            ProviderId = provider,
            TokenSha256 = GatewayFixture.HexHash(token),
            Version = version,
            IssuedAt = DateTimeOffset.UtcNow,
            OccurredAt = DateTimeOffset.UtcNow,
        }, NewId.NextGuid()), Ct);
}
