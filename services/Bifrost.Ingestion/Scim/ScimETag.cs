using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Bifrost.Ingestion.Scim;

/// <summary>Weak ETags <c>W/"&lt;version&gt;"</c> (RFC 7644 §3.14): <c>meta.version</c> and the <c>ETag</c> header.</summary>
internal static class ScimETag
{
    public static string Format(long version) => $"W/\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// Whether an <c>If-Match</c>/<c>If-None-Match</c> header value lists the current version, by weak comparison
    /// (<c>W/"3"</c> and <c>"3"</c> match); <c>*</c> matches any existing resource.
    /// </summary>
    public static bool Matches(StringValues header, long version)
    {
        var current = version.ToString(CultureInfo.InvariantCulture);
        foreach (var value in header)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*")
                {
                    return true;
                }

                var tag = part.StartsWith("W/", StringComparison.OrdinalIgnoreCase) ? part[2..] : part;
                if (tag.Length >= 2 && tag[0] == '"' && tag[^1] == '"' && tag[1..^1] == current)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
