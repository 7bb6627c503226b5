using System.Diagnostics;
using System.Diagnostics.Metrics;
using Yarp.ReverseProxy.Model;

namespace Bifrost.Gateway.Limits;

/// <summary>
/// Requests the gateway answers itself with an error (401, 403, 413, 429, an unrouted 404) never reach
/// ingestion's provisioning log. They are counted here instead: <c>bifrost.gateway.rejections</c> (tags: status and
/// route kind, bounded) and a debug log entry with the provider id when the token was valid (429) — never the token.
/// </summary>
internal sealed partial class GatewayRejections(IMeterFactory meterFactory, ILogger<GatewayRejections> logger)
{
    public const string MeterName = "Bifrost.Gateway";

    private readonly Counter<long> _rejections = meterFactory.Create(MeterName)
        .CreateCounter<long>("bifrost.gateway.rejections", "{request}", "Requests the gateway refused or failed itself, before or instead of reaching a service");

    /// <summary>Records the finished request if the gateway produced its error status (the proxy did not forward it).</summary>
    public void Observe(HttpContext context)
    {
        var status = context.Response.StatusCode;
        if (status < 400 || context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is not null)
        {
            return;
        }

        var kind = BifrostSchemes.IsScim(context.Request.Path) ? "scim" : context.Request.Path.StartsWithSegments("/api") ? "api" : "other";
        _rejections.Add(1, new TagList { { "http.response.status_code", status }, { "bifrost.route_kind", kind } });
        if (context.User.FindFirst(BifrostSchemes.ProviderClaim)?.Value is { } provider)
        {
            LogRejected(logger, status, kind, provider, Activity.Current?.TraceId.ToHexString());
        }
    }

    [LoggerMessage(EventId = 3201, EventName = "GatewayRejected", Level = LogLevel.Debug,
        Message = "Gateway answered {Status} on a {Kind} request of provider {ProviderId} (trace {TraceId})")]
    private static partial void LogRejected(ILogger logger, int status, string kind, string providerId, string? traceId);
}
