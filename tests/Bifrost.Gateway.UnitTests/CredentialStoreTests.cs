using Bifrost.Gateway.Authentication;

namespace Bifrost.Gateway.UnitTests;

public sealed class CredentialStoreTests
{
    private static readonly Guid Provider = Guid.NewGuid();

    [Fact]
    public void FindProvider_with_the_token_returns_its_provider()
    {
        var store = new CredentialStore();
        store.ReplaceProviders([new ProviderCredential(Provider, "p", SecretHash.Compute("the-token"))]);

        Assert.Equal(Provider, store.FindProvider("the-token")?.ProviderId);
    }

    [Theory]
    [InlineData("the-token ")]
    [InlineData("THE-TOKEN")]
    [InlineData("the-toke")]
    [InlineData("")]
    public void FindProvider_with_any_other_value_returns_null(string presented)
    {
        var store = new CredentialStore();
        store.ReplaceProviders([new ProviderCredential(Provider, "p", SecretHash.Compute("the-token"))]);

        Assert.Null(store.FindProvider(presented));
    }

    [Fact]
    public void ReplaceProviders_revokes_the_previous_token_at_once()
    {
        var store = new CredentialStore();
        store.ReplaceProviders([new ProviderCredential(Provider, "p", SecretHash.Compute("old"))]);

        store.ReplaceProviders([new ProviderCredential(Provider, "p", SecretHash.Compute("new"))]);

        Assert.Null(store.FindProvider("old"));
        Assert.Equal(Provider, store.FindProvider("new")?.ProviderId);
    }

    [Fact]
    public void Admin_keys_and_provider_tokens_are_separate()
    {
        var store = new CredentialStore();
        store.ReplaceProviders([new ProviderCredential(Provider, "p", SecretHash.Compute("shared"))]);

        Assert.Null(store.FindAdminKey("shared"));
    }

    [Fact]
    public void FromConfiguration_accepts_hashes_env_references_and_literals_only_when_allowed()
    {
        var expected = SecretHash.Compute("s3cret");
        var variable = $"BIFROST_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            Assert.Equal(expected, SecretHash.FromConfiguration("sha256:" + Convert.ToHexStringLower(expected), allowLiteral: false));
            Assert.Equal(expected, SecretHash.FromConfiguration($"env.{variable}", allowLiteral: false));
            Assert.Equal(expected, SecretHash.FromConfiguration("s3cret", allowLiteral: true));
            Assert.Null(SecretHash.FromConfiguration("s3cret", allowLiteral: false));
            Assert.Null(SecretHash.FromConfiguration("env.BIFROST_TEST_UNSET_VARIABLE", allowLiteral: true));
            Assert.Null(SecretHash.FromConfiguration(null, allowLiteral: true));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
