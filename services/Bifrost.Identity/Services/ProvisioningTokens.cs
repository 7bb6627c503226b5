using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Bifrost.Contracts.Providers;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Services;

/// <summary>
/// Issues and revokes provider SCIM tokens. Every change bumps the token's version and queues its event in the outbox
/// of the same <see cref="IdentityDbContext"/>, so the state and the event commit together on the caller's
/// <c>SaveChanges</c>. Only the SHA-256 of a token is ever stored.
/// </summary>
internal sealed class ProvisioningTokens(IdentityDbContext db, TimeProvider time)
{
    /// <summary>32 bytes from the OS CSPRNG, URL-safe base64 without padding: 43 characters of <c>[A-Za-z0-9_-]</c>.</summary>
    public static string NewToken()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public Task<ProvisioningToken?> FindAsync(Guid providerId, CancellationToken cancellationToken) =>
        db.ProvisioningTokens.SingleOrDefaultAsync(t => t.ProviderId == providerId, cancellationToken);

    /// <summary>Makes <paramref name="tokenSha256"/> the provider's only valid token (the previous one dies with it).</summary>
    public ProvisioningToken Issue(Guid providerId, ProvisioningToken? current, byte[] tokenSha256, ProvisioningTokenSource source)
    {
        var now = time.GetUtcNow();
        var token = current ?? db.ProvisioningTokens.Add(new ProvisioningToken { ProviderId = providerId }).Entity;
        token.TokenSha256 = tokenSha256;
        token.CreatedAt = now;
        token.Source = source;
        token.RevokedAt = null;
        token.ProviderDeleted = false;
        token.Version++;
        db.AddOutboxMessage(new ProvisioningTokenIssued
        {
            ProviderId = providerId,
            TokenSha256 = Convert.ToHexStringLower(tokenSha256),
            Version = token.Version,
            IssuedAt = now,
            OccurredAt = now,
        }, time);
        return token;
    }

    /// <summary>Revokes the provider's token; a provider without an active token is left as it is.</summary>
    public bool Revoke(ProvisioningToken? token, bool providerDeleted)
    {
        if (token is not { IsActive: true })
        {
            return false;
        }

        var now = time.GetUtcNow();
        token.TokenSha256 = null;
        token.CreatedAt = null;
        token.RevokedAt = now;
        token.ProviderDeleted = providerDeleted;
        token.Version++;
        db.AddOutboxMessage(new ProvisioningTokenRevoked
        {
            ProviderId = token.ProviderId,
            Version = token.Version,
            ProviderDeleted = providerDeleted,
            OccurredAt = now,
        }, time);
        return true;
    }
}
