using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace Bifrost.Ingestion.Scim;

internal static class ScimHttpExtensions
{
    public const string BasePath = "/scim/v2";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Every answer under <c>/scim/v2</c> is SCIM: a request without the gateway's provider header is 401; protocol
    /// errors, malformed bodies, unknown routes, wrong methods and unexpected exceptions all get the SCIM error body.
    /// </summary>
    public static WebApplication UseScimErrors(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseWhen(context => context.Request.Path.StartsWithSegments(BasePath), scim => scim.Use(async (context, next) =>
        {
            if (!ScimProvider.TryRead(context, out _))
            {
                await WriteErrorAsync(context.Response, ScimError.Create(HttpStatusCode.Unauthorized, "No provider: SCIM requests must come through the gateway with a provisioning token."));
                return;
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

                await WriteErrorAsync(context.Response, error);
                return;
            }

            if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Response.ContentType is null)
            {
                var status = (HttpStatusCode)context.Response.StatusCode;
                await WriteErrorAsync(context.Response, ScimError.Create(status, DefaultDetail(status)));
            }
        }));
        return app;
    }

    private static ScimError? ToError(Exception ex) => ex switch
    {
        ScimException scim => scim.ToError(),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => ScimError.Create(HttpStatusCode.RequestEntityTooLarge, "The request body is too large."),
        BadHttpRequestException bad => ScimError.Create(HttpStatusCode.BadRequest, bad.Message, ScimErrorType.InvalidSyntax),
        JsonException => ScimError.Create(HttpStatusCode.BadRequest, "The request body is not valid JSON.", ScimErrorType.InvalidSyntax),
        OperationCanceledException => null,
        _ => ScimError.Create(HttpStatusCode.InternalServerError, "An unexpected error occurred. The request was not applied."),
    };

    private static string DefaultDetail(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => "Resource not found.",
        HttpStatusCode.MethodNotAllowed => "Method not allowed on this resource.",
        HttpStatusCode.UnsupportedMediaType => "Send application/scim+json or application/json.",
        HttpStatusCode.NotAcceptable => "This server answers application/scim+json.",
        _ => status.ToString(),
    };

    public static async Task WriteErrorAsync(HttpResponse response, ScimError error)
    {
        response.StatusCode = int.Parse(error.Status, System.Globalization.CultureInfo.InvariantCulture);
        response.ContentType = ScimConstants.MediaType;
        await JsonSerializer.SerializeAsync(response.Body, error, s_json);
    }

    /// <summary>Reads a JSON object body; SCIM accepts application/scim+json and application/json, any charset.</summary>
    public static async Task<JsonObject> ReadScimObjectAsync(this HttpRequest request, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType is { } contentType ? contentType.Split(';', 2)[0].Trim() : null;
        if (mediaType is not null
            && !mediaType.Equals(ScimConstants.MediaType, StringComparison.OrdinalIgnoreCase)
            && !mediaType.Equals(ScimConstants.JsonMediaType, StringComparison.OrdinalIgnoreCase))
        {
            throw new ScimException(HttpStatusCode.UnsupportedMediaType, $"Content type '{mediaType}' is not supported: send application/scim+json.");
        }

        var node = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }, cancellationToken: cancellationToken);
        return node as JsonObject ?? throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, "The request body must be a JSON object.");
    }

    public static string ResourceLocation(this HttpRequest request, string resourceType, Guid id) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}/{resourceType}/{id}";

    /// <summary>Disables the max-body-size feature check only where bulk needs it; kept here so limits live in one place.</summary>
    public static IHttpMaxRequestBodySizeFeature? BodySize(this HttpContext context) => context.Features.Get<IHttpMaxRequestBodySizeFeature>();
}
