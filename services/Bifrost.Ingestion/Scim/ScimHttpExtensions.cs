using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Bifrost.Ingestion.Scim;

internal static class ScimHttpExtensions
{
    public const string BasePath = "/scim/v2";

    /// <summary>Deepest JSON nesting accepted in a body; deeper input is 400 invalidSyntax.</summary>
    public const int MaxJsonDepth = 64;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Every answer under <c>/scim/v2</c> is SCIM: a request without the gateway's provider header is 401; an
    /// <c>Accept</c> that excludes JSON is 406; a body over the limit is 413; protocol errors, malformed bodies,
    /// unknown routes, wrong methods and unexpected exceptions all get the SCIM error body. Each request is counted
    /// and timed in <see cref="IngestionMetrics"/> and recorded in the <see cref="ProvisioningLog"/>.
    /// </summary>
    public static WebApplication UseScimErrors(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseWhen(context => context.Request.Path.StartsWithSegments(BasePath), scim => scim.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await HandleAsync(context, next);
            }
            finally
            {
                var operation = context.GetEndpoint()?.Metadata.GetMetadata<ScimOperation>() ?? ScimOperation.Unknown;
                context.RequestServices.GetRequiredService<IngestionMetrics>()
                    .Request(operation.Resource, operation.Operation, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
                context.RequestServices.GetRequiredService<ProvisioningLog>().Record(context, operation, started);
            }
        }));
        return app;
    }

    private static async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        if (!ScimProvider.TryRead(context, out _))
        {
            await WriteErrorAsync(context.Response, ScimError.Create(HttpStatusCode.Unauthorized, "No provider: SCIM requests must come through the gateway with a provisioning token."));
            return;
        }

        if (!AcceptsJson(context.Request))
        {
            await WriteErrorAsync(context.Response, ScimError.Create(HttpStatusCode.NotAcceptable, DefaultDetail(HttpStatusCode.NotAcceptable)));
            return;
        }

        var limit = BodyLimit(context);
        if (context.Request.ContentLength > limit)
        {
            await WriteErrorAsync(context.Response, ScimError.Create(HttpStatusCode.RequestEntityTooLarge, $"The request body is larger than {limit} bytes."));
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limit;
        }

        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ToError(ex) is { } error)
        {
            if (error.Status == "500")
            {
                IngestionLog.UnhandledError(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Bifrost.Ingestion.Scim"), ex, context.Request.Method, context.Request.Path);
            }

            context.Response.Clear();
            await WriteErrorAsync(context.Response, error);
            return;
        }

        if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Response.ContentType is null)
        {
            var status = (HttpStatusCode)context.Response.StatusCode;
            await WriteErrorAsync(context.Response, ScimError.Create(status, DefaultDetail(status)));
        }
    }

    /// <summary>The body limit of this request: <c>bulk.maxPayloadSize</c> on <c>/Bulk</c>, the general one elsewhere.</summary>
    public static long BodyLimit(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<ScimOptions>>().Value;
        return context.Request.Path.StartsWithSegments(BasePath + "/Bulk", StringComparison.OrdinalIgnoreCase)
            ? options.BulkMaxPayloadBytes
            : options.MaxRequestBodyBytes;
    }

    /// <summary>
    /// SCIM answers <c>application/scim+json</c>; a client may ask for it, for <c>application/json</c>, for a wildcard, or
    /// send no <c>Accept</c> at all (Entra's Test Connection). Only an <c>Accept</c> that rules all of these out is 406.
    /// </summary>
    private static bool AcceptsJson(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var types) || types.Count == 0)
        {
            return true;
        }

        foreach (var type in types)
        {
            if (type.Quality is 0)
            {
                continue;
            }

            var mediaType = type.MediaType.Value ?? "";
            if (mediaType is "*/*" or "application/*"
                || mediaType.Equals(ScimConstants.MediaType, StringComparison.OrdinalIgnoreCase)
                || mediaType.Equals(ScimConstants.JsonMediaType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    internal static ScimError? ToError(Exception ex) => ex switch
    {
        ScimException scim => scim.ToError(),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => ScimError.Create(HttpStatusCode.RequestEntityTooLarge, "The request body is too large."),
        BadHttpRequestException bad => ScimError.Create(HttpStatusCode.BadRequest, bad.Message, ScimErrorType.InvalidSyntax),
        JsonException => ScimError.Create(HttpStatusCode.BadRequest, "The request body is not valid JSON.", ScimErrorType.InvalidSyntax),
        // A value PostgreSQL cannot store (a NUL character, a string longer than the column): the client's input.
        DbUpdateException { InnerException: PostgresException { SqlState: [ '2', '2', ..] } } or PostgresException { SqlState: ['2', '2', ..] } =>
            ScimError.Create(HttpStatusCode.BadRequest, "A value in the request cannot be stored (too long or containing invalid characters).", ScimErrorType.InvalidValue),
        OperationCanceledException => null,
        _ => ScimError.Create(HttpStatusCode.InternalServerError, "An unexpected error occurred. The request was not applied."),
    };

    private static string DefaultDetail(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => "Resource not found.",
        HttpStatusCode.MethodNotAllowed => "Method not allowed on this resource.",
        HttpStatusCode.UnsupportedMediaType => "Send application/scim+json or application/json.",
        HttpStatusCode.NotAcceptable => "This server answers application/scim+json (or application/json).",
        HttpStatusCode.RequestEntityTooLarge => "The request body is too large.",
        _ => status.ToString(),
    };

    public static async Task WriteErrorAsync(HttpResponse response, ScimError error)
    {
        response.StatusCode = int.Parse(error.Status, System.Globalization.CultureInfo.InvariantCulture);
        response.ContentType = ScimConstants.MediaType;
        response.HttpContext.Items[ProvisioningLog.ScimTypeItem] = error.ScimType;
        await JsonSerializer.SerializeAsync(response.Body, error, s_json);
    }

    /// <summary>
    /// Reads a JSON object body: <c>application/scim+json</c> or <c>application/json</c> with any charset (or no content
    /// type), at most <see cref="BodyLimit"/> bytes (413), nesting at most <see cref="MaxJsonDepth"/> (400).
    /// </summary>
    public static async Task<JsonObject> ReadScimObjectAsync(this HttpRequest request, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType is { } contentType ? contentType.Split(';', 2)[0].Trim() : null;
        if (!string.IsNullOrEmpty(mediaType)
            && !mediaType.Equals(ScimConstants.MediaType, StringComparison.OrdinalIgnoreCase)
            && !mediaType.Equals(ScimConstants.JsonMediaType, StringComparison.OrdinalIgnoreCase))
        {
            throw new ScimException(HttpStatusCode.UnsupportedMediaType, $"Content type '{mediaType}' is not supported: send application/scim+json.");
        }

        await using var body = new ScimBodyStream(request.Body, BodyLimit(request.HttpContext));
        var node = await JsonNode.ParseAsync(body, documentOptions: new JsonDocumentOptions { MaxDepth = MaxJsonDepth }, cancellationToken: cancellationToken);
        var obj = node as JsonObject ?? throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, "The request body must be a JSON object.");
        CheckStrings(obj);
        return obj;
    }

    /// <summary>
    /// Rejects strings no SCIM value can hold before any code reads them: an unpaired UTF-16 surrogate escape
    /// (<c>"\ud800"</c>, which System.Text.Json parses but cannot turn into a string) or a NUL character (which
    /// PostgreSQL cannot store), in values and member names alike.
    /// </summary>
    private static void CheckStrings(JsonNode? node)
    {
        try
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        CheckText(key);
                        CheckStrings(value);
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        CheckStrings(item);
                    }

                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    CheckText(value.GetValue<string>());
                    break;
            }
        }
        catch (InvalidOperationException)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, "The request body contains a string with an unpaired UTF-16 surrogate.");
        }
    }

    private static void CheckText(string text)
    {
        if (text.Contains('\0'))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, "The request body contains a NUL character, which no value may hold.");
        }
    }
}
