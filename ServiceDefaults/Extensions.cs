using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Service defaults every Bifrost process shares: OpenTelemetry, health checks, service discovery and resilience.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Trace and meter names besides the service's own (one per assembly, named after it).</summary>
    private static readonly string[] s_sharedSources = ["MassTransit", "Npgsql", "Bifrost.Messaging"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddBasicServiceDefaults();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>Telemetry and health only: for processes that make no outgoing HTTP calls.</summary>
    public static TBuilder AddBasicServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var serviceName = builder.Environment.ApplicationName;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(serviceName)
                .AddMeter(s_sharedSources))
            .WithTracing(tracing =>
            {
                // Development traces everything, unless a sampler is chosen explicitly (OTEL_TRACES_SAMPLER, e.g.
                // parentbased_traceidratio for a load test; the SDK reads it, and ratio from OTEL_TRACES_SAMPLER_ARG).
                if (builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["OTEL_TRACES_SAMPLER"]))
                {
                    tracing.SetSampler(new AlwaysOnSampler());
                }

                tracing
                    .AddSource(serviceName)
                    .AddSource(s_sharedSources)
                    .AddAspNetCoreInstrumentation(options =>
                        options.Filter = context =>
                            !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                            && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                    .AddHttpClientInstrumentation();
            });

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// The service's admin API (routes under <c>/api</c>) as an OpenAPI document at <c>/openapi/v1.json</c>, mapped by
    /// <see cref="MapDefaultEndpoints"/>. The gateway serves it as <c>/api/openapi/&lt;service&gt;.json</c> to admin keys.
    /// </summary>
    public static TBuilder AddAdminOpenApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var title = $"{builder.Environment.ApplicationName} admin API";
        builder.Services.AddOpenApi(options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                return Task.CompletedTask;
            });
        });
        builder.Services.AddSingleton<AdminOpenApiMarker>();
        return builder;
    }

    /// <summary>
    /// Maps <c>/alive</c> (liveness) and <c>/health</c> (readiness: every check) in every environment.
    /// The services have no external endpoints; the gateway does not route either path, so both stay internal.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath).AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") }).AllowAnonymous();
        if (app.Services.GetService<AdminOpenApiMarker>() is not null)
        {
            app.MapOpenApi().AllowAnonymous();
        }

        return app;
    }
}

/// <summary>Present when <see cref="Extensions.AddAdminOpenApi{TBuilder}"/> was called.</summary>
internal sealed class AdminOpenApiMarker;
