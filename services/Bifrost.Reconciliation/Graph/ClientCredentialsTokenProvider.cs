using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Kiota.Abstractions.Authentication;

namespace Bifrost.Reconciliation.Graph;

/// <summary>
/// OAuth 2.0 client credentials (RFC 6749 §4.4) against the tenant's token endpoint,
/// <c>{authority}/{tenant}/oauth2/v2.0/token</c>, with the <c>.default</c> scope of the Graph host. The token is cached
/// until shortly before it expires. The client secret never leaves this class and is never logged.
/// </summary>
public sealed class ClientCredentialsTokenProvider(HttpClient http, GraphCloud cloud, string tenantId, string clientId, string clientSecret, TimeProvider time)
    : IAccessTokenProvider
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _expires;

    public AllowedHostsValidator AllowedHostsValidator { get; } = new([cloud.GraphBaseUrl.Host]);

    public async Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
    {
        if (!AllowedHostsValidator.IsUrlHostValid(uri))
        {
            return "";
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_token is null || time.GetUtcNow() >= _expires)
            {
                var endpoint = new Uri(cloud.AuthorityHost, $"{Uri.EscapeDataString(tenantId)}/oauth2/v2.0/token");
                using var response = await http.PostAsync(endpoint, new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = clientId,
                    ["client_secret"] = clientSecret,
                    ["scope"] = $"{cloud.GraphBaseUrl.GetLeftPart(UriPartial.Authority)}/.default",
                }), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new GraphAuthenticationException($"The token endpoint answered {(int)response.StatusCode}: check the tenant id, client id and client secret.");
                }

                var token = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken)
                    ?? throw new GraphAuthenticationException("The token endpoint answered without a token.");
                _token = token.AccessToken;
                _expires = time.GetUtcNow().AddSeconds(Math.Max(0, token.ExpiresIn - 60));
            }

            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

public sealed class GraphAuthenticationException(string message) : Exception(message);
