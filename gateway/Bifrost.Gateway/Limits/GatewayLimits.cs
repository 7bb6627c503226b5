using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Bifrost.Scim;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;

namespace Bifrost.Gateway.Limits;

/// <summary>Section <c>Bifrost:Gateway:Limits</c>.</summary>
public sealed class GatewayLimitOptions
{
    /// <summary>Sustained requests per second per provisioning token (and per admin key). Entra needs ≥ 25/s per job.</summary>
    public int PermitsPerSecond { get; set; } = 500;

    /// <summary>Requests a token may send at once above the sustained rate.</summary>
    public int Burst { get; set; } = 1000;

    /// <summary>Largest request body accepted (SCIM bulk's advertised maxPayloadSize is below this).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;
}

/// <summary>
/// The gateway's protective limits: a token bucket per provider (or admin key), a request body cap, and SCIM error
/// bodies on every error the gateway itself produces for <c>/scim</c> (429, 413, and the proxy's own 502/503/504).
/// </summary>
internal static class GatewayLimits
{
    public static void AddGatewayLimits(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Bifrost:Gateway:Limits").Get<GatewayLimitOptions>() ?? new GatewayLimitOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<GatewayRejections>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                PartitionKey(context.User) is { } key
                    ? RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = Math.Max(1, options.Burst),
                        TokensPerPeriod = Math.Max(1, options.PermitsPerSecond / 10),
                        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter("unauthenticated")); // rejected by authorization anyway
            limiter.OnRejected = (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                return WriteErrorAsync(context.HttpContext, HttpStatusCode.TooManyRequests, $"Too many requests for this token: retry after {retryAfter} s.").AsValueTask();
            };
        });
    }

    /// <summary>Body cap (declared length checked up front; chunked bodies stop at the cap) and SCIM error bodies.</summary>
    public static WebApplication UseGatewayLimits(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<GatewayLimitOptions>();
        var rejections = app.Services.GetRequiredService<GatewayRejections>();
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                rejections.Observe(context);
                return Task.CompletedTask;
            });

            if (context.Request.ContentLength > options.MaxRequestBodyBytes)
            {
                await WriteErrorAsync(context, HttpStatusCode.RequestEntityTooLarge, $"The request body is larger than {options.MaxRequestBodyBytes} bytes.");
                return;
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = options.MaxRequestBodyBytes;
            }

            await next(context);

            // The proxy's own failures (no backend, timeout) come without a body: give SCIM clients a SCIM error.
            if (BifrostSchemes.IsScim(context.Request.Path) && !context.Response.HasStarted
                && context.Response.StatusCode >= 400 && context.Response.ContentType is null)
            {
                await WriteErrorAsync(context, (HttpStatusCode)context.Response.StatusCode, "The request could not be completed by the gateway.");
            }
        });
        return app;
    }

    private static string? PartitionKey(ClaimsPrincipal user) =>
        user.FindFirst(BifrostSchemes.ProviderClaim)?.Value is { } provider ? $"provider:{provider}"
        : user.FindFirst(ClaimTypes.Name)?.Value is { } admin ? $"admin:{admin}"
        : null;

    private static async Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string detail)
    {
        context.Response.StatusCode = (int)status;
        if (BifrostSchemes.IsScim(context.Request.Path))
        {
            context.Response.ContentType = ScimConstants.MediaType;
            await context.Response.WriteAsync(ScimError.Create(status, detail).ToJson().ToJsonString(), context.RequestAborted);
        }
        else
        {
            await Results.Problem(statusCode: (int)status, detail: detail).ExecuteAsync(context);
        }
    }

    private static ValueTask AsValueTask(this Task task) => new(task);
}
