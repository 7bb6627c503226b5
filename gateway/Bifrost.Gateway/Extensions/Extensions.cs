using System.Diagnostics;
using Bifrost.Gateway.Messaging;
using Bifrost.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Yarp.ReverseProxy.Transforms;

namespace Bifrost.Gateway.Extensions;

internal static class Extensions
{
    /// <summary>Response header carrying the request's trace id, so a client or an SRE can find the whole trace.</summary>
    public const string TraceIdHeader = "X-Trace-Id";

    public static WebApplication UseTraceIdHeader(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (Activity.Current is { } activity)
            {
                context.Response.Headers[TraceIdHeader] = activity.TraceId.ToHexString();
            }

            return next(context);
        });
        return app;
    }

    /// <summary>
    /// Provider tokens from identity: MassTransit with this replica's own event queue (no outbox or inbox: the gateway
    /// has no database), then the start-up snapshot, registered after the bus so the queue is bound first.
    /// </summary>
    private static void AddProviderTokenSync(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Bifrost:Gateway:TokenSync");
        builder.Services.AddOptions<ProviderTokenSyncOptions>().Bind(section);
        if (!section.GetValue("Enabled", true))
        {
            return;
        }

        builder.AddMessaging(bus => bus.AddConsumer<ProvisioningTokenConsumer>(typeof(ProvisioningTokenConsumerDefinition)));
        builder.Services.AddHttpClient(ProviderTokenSync.HttpClientName);
        builder.Services.AddSingleton<ProviderTokenSync>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProviderTokenSync>());
        builder.Services.AddReceiveEndpointObserver(sp => sp.GetRequiredService<ProviderTokenSync>());
        builder.Services.AddHealthChecks().AddCheck<ProviderTokenSync>("provider-tokens");
    }

    public static void AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayAuthOptions>().BindConfiguration("Bifrost:Gateway");
        builder.Services.AddSingleton<CredentialStore>();
        builder.Services.AddHostedService<ConfiguredCredentialsLoader>();
        builder.AddProviderTokenSync();
        builder.AddGatewayLimits();

        builder.Services.AddAuthentication(BifrostSchemes.ByPath)
            .AddPolicyScheme(BifrostSchemes.ByPath, "SCIM token on /scim, admin key elsewhere", options =>
                options.ForwardDefaultSelector = context => BifrostSchemes.IsScim(context.Request.Path) ? BifrostSchemes.ScimToken : BifrostSchemes.AdminKey)
            .AddScheme<AuthenticationSchemeOptions, ScimTokenHandler>(BifrostSchemes.ScimToken, null)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyHandler>(BifrostSchemes.AdminKey, null);

        builder.Services.AddSingleton<IAuthorizationHandler, AdminAccessRequirement>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(BifrostSchemes.ScimPolicy, policy => policy
                .AddAuthenticationSchemes(BifrostSchemes.ScimToken)
                .RequireClaim(BifrostSchemes.ProviderClaim))
            .AddPolicy(BifrostSchemes.AdminPolicy, policy => policy
                .AddAuthenticationSchemes(BifrostSchemes.AdminKey)
                .AddRequirements(new AdminAccessRequirement()))
            // YARP leaves routes without a policy open: anything not explicitly allowed fails closed.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(BifrostSchemes.ByPath).RequireAuthenticatedUser().Build());

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms(context => context.AddRequestTransform(transform =>
            {
                var headers = transform.ProxyRequest.Headers;
                headers.Authorization = null;
                foreach (var name in headers.Select(h => h.Key).Where(k => k.StartsWith(BifrostSchemes.TrustedHeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    headers.Remove(name);
                }

                var user = transform.HttpContext.User;
                if (user.FindFirst(BifrostSchemes.ProviderClaim)?.Value is { } provider)
                {
                    headers.TryAddWithoutValidation(BifrostSchemes.ProviderHeader, provider);
                }

                if (user.FindFirst(BifrostSchemes.RoleClaim)?.Value is { } role)
                {
                    headers.TryAddWithoutValidation(BifrostSchemes.AdminRoleHeader, role);
                }

                return ValueTask.CompletedTask;
            }));
    }
}
