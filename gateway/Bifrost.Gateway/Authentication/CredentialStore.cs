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

/// <summary>A provider's token state as identity publishes it: the active token's hash (null once revoked) and its version.</summary>
public sealed record ProviderTokenState(Guid ProviderId, byte[]? TokenHash, long Version);

/// <summary>
/// The gateway's in-memory view of valid provisioning tokens and admin keys, by hash. Lookups are lock-free reads of
/// an immutable snapshot; a change swaps the snapshot, so a revoked token stops working on the next request.
/// </summary>
/// <remarks>
/// Provider tokens come from two sources: configuration (<see cref="ReplaceProviders"/>) and identity (its start-up
/// snapshot and events, <see cref="Apply"/>). Identity's word is final for every provider it knows: once it has sent a
/// state for a provider, a configured token of that provider no longer counts, so a rotation in identity also retires a
/// token seeded from configuration. Identity states are version-guarded per provider: an older or repeated state is
/// ignored, so redelivery and reordering leave the newest one.
/// </remarks>
public sealed class CredentialStore
{
    private readonly Lock _writeLock = new();
    private readonly Dictionary<Guid, ProviderTokenState> _fromIdentity = [];
    private IReadOnlyList<ProviderCredential> _configured = [];
    private volatile FrozenDictionary<string, ProviderCredential> _providers = FrozenDictionary<string, ProviderCredential>.Empty;
    private volatile FrozenDictionary<string, AdminCredential> _adminKeys = FrozenDictionary<string, AdminCredential>.Empty;

    /// <summary>Sets the providers configured for this gateway (replacing the previously configured ones).</summary>
    public void ReplaceProviders(IEnumerable<ProviderCredential> providers)
    {
        lock (_writeLock)
        {
            _configured = providers.ToList();
            Rebuild();
        }
    }

    public void ReplaceAdminKeys(IEnumerable<AdminCredential> keys) =>
        _adminKeys = keys.ToFrozenDictionary(k => SecretHash.ToKey(k.KeyHash));

    /// <summary>
    /// Applies token states from identity (an event, or a whole snapshot) atomically: each one only when its version is
    /// newer than what this gateway has for the provider. Returns how many changed something.
    /// </summary>
    public int Apply(IEnumerable<ProviderTokenState> states)
    {
        lock (_writeLock)
        {
            var applied = 0;
            foreach (var state in states)
            {
                if (_fromIdentity.TryGetValue(state.ProviderId, out var known) && state.Version <= known.Version)
                {
                    continue;
                }

                _fromIdentity[state.ProviderId] = state;
                applied++;
            }

            if (applied > 0)
            {
                Rebuild();
            }

            return applied;
        }
    }

    public bool Apply(ProviderTokenState state) => Apply([state]) > 0;

    /// <summary>The version this gateway holds for a provider (0 when identity has sent nothing about it).</summary>
    public long VersionOf(Guid providerId)
    {
        lock (_writeLock)
        {
            return _fromIdentity.TryGetValue(providerId, out var state) ? state.Version : 0;
        }
    }

    public int ProviderCount => _providers.Count;

    public ProviderCredential? FindProvider(ReadOnlySpan<char> token) => Find(_providers, token, p => p.TokenHash);

    public AdminCredential? FindAdminKey(ReadOnlySpan<char> key) => Find(_adminKeys, key, k => k.KeyHash);

    private void Rebuild()
    {
        var active = new Dictionary<string, ProviderCredential>();
        foreach (var provider in _configured.Where(p => !_fromIdentity.ContainsKey(p.ProviderId)))
        {
            active[SecretHash.ToKey(provider.TokenHash)] = provider;
        }

        foreach (var state in _fromIdentity.Values)
        {
            if (state.TokenHash is { } hash)
            {
                active[SecretHash.ToKey(hash)] = new ProviderCredential(state.ProviderId, "", hash);
            }
        }

        _providers = active.ToFrozenDictionary();
    }

    private static T? Find<T>(FrozenDictionary<string, T> entries, ReadOnlySpan<char> secret, Func<T, byte[]> hashOf) where T : class
    {
        var hash = SecretHash.Compute(secret);
        return entries.TryGetValue(SecretHash.ToKey(hash), out var entry) && CryptographicOperations.FixedTimeEquals(hash, hashOf(entry))
            ? entry
            : null;
    }
}
