using System.Security.Cryptography;
using System.Text;

namespace Bifrost.Gateway.Authentication;

/// <summary>
/// Provisioning tokens and admin keys are kept only as SHA-256 hashes. A presented secret is hashed and looked up by
/// its hash (which reveals nothing about the secret's prefix), then compared in constant time.
/// </summary>
internal static class SecretHash
{
    /// <summary>Longer Authorization values are rejected before hashing.</summary>
    public const int MaxSecretLength = 512;

    public static byte[] Compute(ReadOnlySpan<char> secret)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(MaxSecretLength)];
        var length = Encoding.UTF8.GetBytes(secret, utf8);
        return SHA256.HashData(utf8[..length]);
    }

    public static string ToKey(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    /// <summary>
    /// A configured secret: <c>sha256:&lt;hex&gt;</c> (a hash), <c>env.NAME</c> (read from the environment and hashed
    /// at once) or, for development only, a literal value.
    /// </summary>
    public static byte[]? FromConfiguration(string? value, bool allowLiteral)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (value.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            return Convert.FromHexString(value["sha256:".Length..]);
        }

        if (value.StartsWith("env.", StringComparison.Ordinal))
        {
            var secret = Environment.GetEnvironmentVariable(value["env.".Length..]);
            return string.IsNullOrEmpty(secret) || secret.Length > MaxSecretLength ? null : Compute(secret);
        }

        return allowLiteral && value.Length <= MaxSecretLength ? Compute(value) : null;
    }

    /// <summary>The secret of an <c>Authorization: Bearer</c> header, or null when absent, malformed or too long.</summary>
    public static bool TryReadBearer(HttpRequest request, out ReadOnlySpan<char> secret)
    {
        secret = default;
        if (request.Headers.Authorization is not [{ } header])
        {
            return false;
        }

        var value = header.AsSpan().Trim();
        if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        secret = value["Bearer ".Length..].Trim();
        return secret.Length is > 0 and <= MaxSecretLength;
    }
}
