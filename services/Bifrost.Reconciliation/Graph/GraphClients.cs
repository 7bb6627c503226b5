using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;

namespace Bifrost.Reconciliation.Graph;

/// <summary>Graph credentials of an Entra provider. The secret is resolved (from <c>env.NAME</c>) by the caller.</summary>
public sealed record GraphCredentials(string TenantId, string ClientId, string ClientSecret, string? Cloud);

/// <summary>
/// Builds the real Microsoft Graph SDK client for a provider: Graph's own middleware (retry honouring 429/503
/// <c>Retry-After</c>, redirects, compression) and our client-credentials token provider. A configured
/// <c>Bifrost:Reconciliation:Graph:BaseUrl</c>/<c>AuthorityHost</c> (the local Graph emulator) replaces the cloud's.
/// </summary>
public sealed class GraphClients(IHttpClientFactory httpClientFactory, TimeProvider time, IConfiguration configuration)
{
    public GraphServiceClient Create(GraphCredentials credentials)
    {
        var cloud = GraphCloud.For(credentials.Cloud);
        if (configuration["Bifrost:Reconciliation:Graph:BaseUrl"] is { Length: > 0 } baseUrl)
        {
            cloud = new GraphCloud(new Uri(baseUrl.TrimEnd('/')), new Uri(configuration["Bifrost:Reconciliation:Graph:AuthorityHost"] ?? baseUrl));
        }

        return Create(credentials, cloud, httpClientFactory.CreateClient(nameof(GraphClients)), time);
    }

    public static GraphServiceClient Create(GraphCredentials credentials, GraphCloud cloud, HttpClient tokenHttp, TimeProvider time)
    {
        var tokens = new ClientCredentialsTokenProvider(tokenHttp, cloud, credentials.TenantId, credentials.ClientId, credentials.ClientSecret, time);
        var http = GraphClientFactory.Create();
        return new GraphServiceClient(http, new BaseBearerTokenAuthenticationProvider(tokens), cloud.GraphBaseUrl.ToString());
    }
}
