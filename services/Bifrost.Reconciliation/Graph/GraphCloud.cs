namespace Bifrost.Reconciliation.Graph;

/// <summary>Where an Entra tenant's Microsoft Graph and token endpoint live, by national cloud.</summary>
public sealed record GraphCloud(Uri GraphBaseUrl, Uri AuthorityHost)
{
    public static GraphCloud For(string? cloud) => cloud?.ToLowerInvariant() switch
    {
        null or "" or "commercial" => new(new Uri("https://graph.microsoft.com/v1.0"), new Uri("https://login.microsoftonline.com")),
        "gcc-high" => new(new Uri("https://graph.microsoft.us/v1.0"), new Uri("https://login.microsoftonline.us")),
        "dod" => new(new Uri("https://dod-graph.microsoft.us/v1.0"), new Uri("https://login.microsoftonline.us")),
        _ => throw new ArgumentException($"Unknown cloud '{cloud}': use commercial, gcc-high or dod.", nameof(cloud)),
    };
}
