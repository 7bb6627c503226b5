using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Bifrost.Gateway.Authentication;

public sealed record ProviderCredential(Guid ProviderId, string Name, byte[] TokenHash);

public enum AdminRole
{
    Viewer,
    Admin,
}

public sealed record AdminCredential(string Name, AdminRole Role, byte[] KeyHash);

/// <summary>
/// The gateway's in-memory view of valid provisioning tokens and admin keys, by hash. Lookups are lock-free reads of
/// an immutable snapshot; a change swaps the snapshot, so a revoked token stops working on the next request.
/// </summary>
public sealed class CredentialStore
{
    private volatile FrozenDictionary<string, ProviderCredential> _providers = FrozenDictionary<string, ProviderCredential>.Empty;
    private volatile FrozenDictionary<string, AdminCredential> _adminKeys = FrozenDictionary<string, AdminCredential>.Empty;

    public void ReplaceProviders(IEnumerable<ProviderCredential> providers) =>
        _providers = providers.ToFrozenDictionary(p => SecretHash.ToKey(p.TokenHash));

    public void ReplaceAdminKeys(IEnumerable<AdminCredential> keys) =>
        _adminKeys = keys.ToFrozenDictionary(k => SecretHash.ToKey(k.KeyHash));

    public int ProviderCount => _providers.Count;

    public ProviderCredential? FindProvider(ReadOnlySpan<char> token) => Find(_providers, token, p => p.TokenHash);

    public AdminCredential? FindAdminKey(ReadOnlySpan<char> key) => Find(_adminKeys, key, k => k.KeyHash);

    private static T? Find<T>(FrozenDictionary<string, T> entries, ReadOnlySpan<char> secret, Func<T, byte[]> hashOf) where T : class
    {
        var hash = SecretHash.Compute(secret);
        return entries.TryGetValue(SecretHash.ToKey(hash), out var entry) && CryptographicOperations.FixedTimeEquals(hash, hashOf(entry))
            ? entry
            : null;
    }
}
