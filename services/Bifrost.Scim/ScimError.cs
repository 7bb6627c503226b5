using System.Net;
using System.Text.Json.Serialization;

namespace Bifrost.Scim;

/// <summary>The <c>scimType</c> values of RFC 7644 §3.12 (table 9).</summary>
public static class ScimErrorType
{
    public const string InvalidFilter = "invalidFilter";
    public const string TooMany = "tooMany";
    public const string Uniqueness = "uniqueness";
    public const string Mutability = "mutability";
    public const string InvalidSyntax = "invalidSyntax";
    public const string InvalidPath = "invalidPath";
    public const string NoTarget = "noTarget";
    public const string InvalidValue = "invalidValue";
    public const string InvalidVersion = "invalidVers";
    public const string Sensitive = "sensitive";
}

/// <summary>The SCIM error body (RFC 7644 §3.12). <c>status</c> is a string, as the RFC's examples and Entra expect.</summary>
public sealed record ScimError
{
    [JsonPropertyName("schemas")]
    public string[] Schemas { get; init; } = [ScimConstants.ErrorSchema];

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("scimType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ScimType { get; init; }

    [JsonPropertyName("detail")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Detail { get; init; }

    public static ScimError Create(HttpStatusCode status, string? detail = null, string? scimType = null) =>
        new() { Status = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), Detail = detail, ScimType = scimType };

    /// <summary>The error body as JSON, without null members.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["schemas"] = new JsonArray([.. Schemas.Select(s => (JsonNode)JsonValue.Create(s))]),
            ["status"] = Status,
        };
        if (ScimType is not null)
        {
            json["scimType"] = ScimType;
        }
        if (Detail is not null)
        {
            json["detail"] = Detail;
        }
        return json;
    }
}

/// <summary>
/// Thrown by the protocol code for input that must be answered with a SCIM error.
/// Handlers map it to the error body; it never escapes as a 500.
/// </summary>
public sealed class ScimException(HttpStatusCode status, string detail, string? scimType = null) : Exception(detail)
{
    public HttpStatusCode Status { get; } = status;
    public string? ScimType { get; } = scimType;

    public ScimError ToError() => ScimError.Create(Status, Message, ScimType);

    public static ScimException BadRequest(string scimType, string detail) => new(HttpStatusCode.BadRequest, detail, scimType);
}
