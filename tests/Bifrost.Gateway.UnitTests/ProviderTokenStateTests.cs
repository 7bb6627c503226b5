using Bifrost.Gateway.Authentication;

namespace Bifrost.Gateway.UnitTests;

/// <summary>Token states from identity: version-guarded per provider, final over configured tokens of the same provider.</summary>
public sealed class ProviderTokenStateTests
{
    private static readonly Guid Provider = Guid.NewGuid();

    private static ProviderTokenState Issued(string token, long version, Guid? provider = null) =>
        new(provider ?? Provider, SecretHash.Compute(token), version);

    private static ProviderTokenState Revoked(long version) => new(Provider, null, version);

    [Fact]
    public void Issued_token_works_and_a_rotation_retires_the_previous_one_at_once()
    {
        var store = new CredentialStore();
        Assert.True(store.Apply(Issued("first", 1)));

        Assert.True(store.Apply(Issued("second", 2)));

        Assert.Null(store.FindProvider("first"));
        Assert.Equal(Provider, store.FindProvider("second")?.ProviderId);
        Assert.Equal(2, store.VersionOf(Provider));
    }

    [Fact]
    public void Older_or_repeated_states_are_ignored_so_reordering_and_redelivery_are_harmless()
    {
        var store = new CredentialStore();
        store.Apply(Issued("second", 2));
        store.Apply(Revoked(3));

        Assert.False(store.Apply(Issued("first", 1)));
        Assert.False(store.Apply(Issued("second", 2)));
        Assert.False(store.Apply(Revoked(3)));

        Assert.Null(store.FindProvider("first"));
        Assert.Null(store.FindProvider("second"));
        Assert.Equal(3, store.VersionOf(Provider));
    }

    [Fact]
    public void Revocation_leaves_the_provider_without_a_token()
    {
        var store = new CredentialStore();
        store.Apply(Issued("token", 1));

        store.Apply(Revoked(2));

        Assert.Null(store.FindProvider("token"));
        Assert.Equal(0, store.ProviderCount);
    }

    [Fact]
    public void Identity_state_overrides_a_configured_token_of_the_same_provider_but_not_of_others()
    {
        var other = Guid.NewGuid();
        var store = new CredentialStore();
        store.ReplaceProviders([new ProviderCredential(Provider, "seeded", SecretHash.Compute("configured")), new ProviderCredential(other, "other", SecretHash.Compute("other"))]);
        Assert.Equal(Provider, store.FindProvider("configured")?.ProviderId);

        store.Apply(Issued("rotated", 2));

        Assert.Null(store.FindProvider("configured"));
        Assert.Equal(Provider, store.FindProvider("rotated")?.ProviderId);
        Assert.Equal(other, store.FindProvider("other")?.ProviderId);

        store.ReplaceProviders([new ProviderCredential(Provider, "seeded", SecretHash.Compute("configured"))]);
        Assert.Null(store.FindProvider("configured"));
    }

    [Fact]
    public void Snapshot_merges_with_events_already_applied_by_version()
    {
        var second = Guid.NewGuid();
        var store = new CredentialStore();
        store.Apply(Issued("event-newer", 5));

        var applied = store.Apply([Issued("snapshot-older", 4), Issued("second", 1, second), new ProviderTokenState(Guid.NewGuid(), null, 7)]);

        Assert.Equal(2, applied);
        Assert.Equal(Provider, store.FindProvider("event-newer")?.ProviderId);
        Assert.Null(store.FindProvider("snapshot-older"));
        Assert.Equal(second, store.FindProvider("second")?.ProviderId);
    }
}
