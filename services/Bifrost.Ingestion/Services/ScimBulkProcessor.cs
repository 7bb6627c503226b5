using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Runs a BulkRequest. Each operation is its own transaction, run by the same code as the single-resource endpoints,
/// so a failed operation changes nothing and leaves the others applied (RFC 7644 §3.7: bulk is not atomic). Operations
/// run in order; one that references a <c>bulkId</c> created by a later operation waits until that one has run.
/// After <c>failOnErrors</c> errors the remaining operations are skipped (and not reported).
/// </summary>
internal sealed class ScimBulkProcessor(IngestionDbContext db, ScimUserService users, ScimGroupService groups, IOptions<ScimOptions> options, ILogger<ScimBulkProcessor> logger)
{
    private const string BulkIdPrefix = "bulkId:";

    private sealed record Operation(int Index, string Method, string? BulkId, string Path, JsonObject? Data, string? Version);

    public async Task<JsonObject> ProcessAsync(Guid provider, JsonObject body, string baseUrl, CancellationToken cancellationToken)
    {
        var (operations, failOnErrors) = Parse(body);
        var created = new Dictionary<string, Guid?>(StringComparer.Ordinal); // bulkId → id (null = that operation failed)
        var declared = operations.Where(o => o.BulkId is not null).Select(o => o.BulkId!).ToHashSet(StringComparer.Ordinal);
        var results = new JsonArray();
        var errors = 0;
        var pending = operations.ToList();

        while (pending.Count > 0)
        {
            var deferred = new List<Operation>();
            foreach (var operation in pending)
            {
                if (failOnErrors > 0 && errors >= failOnErrors)
                {
                    return Response(results);
                }

                var references = References(operation);
                if (references.Any(r => r != operation.BulkId && declared.Contains(r) && !created.ContainsKey(r)))
                {
                    deferred.Add(operation);
                    continue;
                }

                var result = await RunAsync(provider, operation, created, baseUrl, cancellationToken);
                if (operation.BulkId is not null)
                {
                    created[operation.BulkId] = result.Status == StatusCodes.Status201Created && result.Location is { } location
                        ? Guid.Parse(location[(location.LastIndexOf('/') + 1)..])
                        : null;
                }

                if (result.Status >= 400)
                {
                    errors++;
                }

                results.Add(OperationResult(operation, result));
            }

            if (deferred.Count == pending.Count)
            {
                // Circular references: nothing can run any more.
                foreach (var operation in deferred)
                {
                    errors++;
                    results.Add(OperationResult(operation, Error(ScimException.BadRequest(ScimErrorType.InvalidValue,
                        $"Operation {operation.Index} references bulkIds that form a cycle or are never created."))));
                    if (failOnErrors > 0 && errors >= failOnErrors)
                    {
                        break;
                    }
                }

                break;
            }

            pending = deferred;
        }

        return Response(results);
    }

    private async Task<ScimResult> RunAsync(Guid provider, Operation operation, Dictionary<string, Guid?> created, string baseUrl, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear(); // a failed operation leaves nothing behind for the next one
        try
        {
            var path = Resolve(operation.Path, created);
            var data = operation.Data is null ? null : (JsonObject)operation.Data.DeepClone();
            ResolveIn(data, created);
            var call = new ScimCall(baseUrl, ScimAttributeSelection.Default, operation.Version);
            var segments = path.Trim('/').Split('/');
            var resource = segments[0];
            var id = segments.Length == 2 ? segments[1] : null;
            if (segments.Length > 2 || (id is null) != (operation.Method == "POST"))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidPath,
                    $"Operation {operation.Index}: '{operation.Path}' is not a valid path for {operation.Method} (expected /Users or /Groups, with an id unless POST).");
            }

            var isUsers = resource.Equals(ScimUserMapping.Endpoint, StringComparison.OrdinalIgnoreCase);
            if (!isUsers && !resource.Equals(ScimGroupMapping.Endpoint, StringComparison.OrdinalIgnoreCase))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidPath, $"Operation {operation.Index}: unknown resource type in '{operation.Path}'.");
            }

            JsonObject Data() => data ?? throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operation {operation.Index} ({operation.Method}) needs 'data'.");
            return (operation.Method, isUsers) switch
            {
                ("POST", true) => await users.CreateAsync(provider, Data(), call, cancellationToken),
                ("POST", false) => await groups.CreateAsync(provider, Data(), call, cancellationToken),
                ("PUT", true) => await users.ReplaceAsync(provider, id!, Data(), call, cancellationToken),
                ("PUT", false) => await groups.ReplaceAsync(provider, id!, Data(), call, cancellationToken),
                ("PATCH", true) => await users.PatchAsync(provider, id!, Data(), call, cancellationToken),
                ("PATCH", false) => await groups.PatchAsync(provider, id!, Data(), call, cancellationToken),
                ("DELETE", true) => await users.DeleteAsync(provider, id!, call, cancellationToken),
                _ => await groups.DeleteAsync(provider, id!, call, cancellationToken),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var error = ScimHttpExtensions.ToError(ex)!;
            if (error.Status == "500")
            {
                IngestionLog.UnhandledError(logger, ex, "BULK " + operation.Method, operation.Path);
            }

            return new ScimResult(int.Parse(error.Status, System.Globalization.CultureInfo.InvariantCulture), error.ToJson());
        }
    }

    private static ScimResult Error(ScimException exception) =>
        new((int)exception.Status, exception.ToError().ToJson());

    private static JsonObject OperationResult(Operation operation, ScimResult result)
    {
        var json = new JsonObject { ["method"] = operation.Method };
        if (operation.BulkId is not null)
        {
            json["bulkId"] = operation.BulkId;
        }

        if (result.ETag is not null)
        {
            json["version"] = result.ETag;
        }

        if (result.Location is not null)
        {
            json["location"] = result.Location;
        }
        else if (result.Status < 400 && result.Body?["meta"]?["location"] is JsonValue location)
        {
            json["location"] = location.GetValue<string>();
        }

        json["status"] = result.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (result.Status >= 400 && result.Body is not null)
        {
            json["response"] = result.Body;
        }

        return json;
    }

    private static JsonObject Response(JsonArray results) => new()
    {
        ["schemas"] = new JsonArray(ScimConstants.BulkResponseSchema),
        ["Operations"] = results,
    };

    private (List<Operation> Operations, int FailOnErrors) Parse(JsonObject body)
    {
        var members = body.ToDictionary(m => m.Key, m => m.Value, StringComparer.OrdinalIgnoreCase);
        if (members.GetValueOrDefault("schemas") is { } schemas
            && (schemas is not JsonArray uris || !uris.Any(u => ScimKeys.Text(u) is { } uri && uri.Equals(ScimConstants.BulkRequestSchema, StringComparison.OrdinalIgnoreCase))))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"A bulk request must list '{ScimConstants.BulkRequestSchema}' in 'schemas'.");
        }

        var failOnErrors = members.GetValueOrDefault("failOnErrors") switch
        {
            null => 0,
            JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var n) && n >= 0 => n,
            _ => throw ScimException.BadRequest(ScimErrorType.InvalidValue, "failOnErrors must be a non-negative integer."),
        };
        if (members.GetValueOrDefault("Operations") is not JsonArray array)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, "A bulk request needs an 'Operations' array.");
        }

        var max = options.Value.BulkMaxOperations;
        if (array.Count > max)
        {
            throw new ScimException(HttpStatusCode.RequestEntityTooLarge,
                $"The bulk request has {array.Count} operations; at most {max} are allowed (maxOperations {max}, maxPayloadSize {options.Value.BulkMaxPayloadBytes}).",
                ScimErrorType.TooMany);
        }

        var operations = new List<Operation>(array.Count);
        var bulkIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject node)
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{i}] is not an object.");
            }

            var fields = node.ToDictionary(m => m.Key, m => m.Value, StringComparer.OrdinalIgnoreCase);
            var method = ScimKeys.Text(fields.GetValueOrDefault("method"))?.Trim().ToUpperInvariant();
            if (method is not ("POST" or "PUT" or "PATCH" or "DELETE"))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{i}].method must be POST, PUT, PATCH or DELETE.");
            }

            var path = fields.GetValueOrDefault("path") is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : null;
            if (string.IsNullOrWhiteSpace(path))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{i}].path is required.");
            }

            var bulkId = fields.GetValueOrDefault("bulkId") is JsonValue b && b.GetValueKind() == JsonValueKind.String ? b.GetValue<string>() : null;
            if (method == "POST" && string.IsNullOrEmpty(bulkId))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{i}] is a POST without a bulkId.");
            }

            if (bulkId is not null && !bulkIds.Add(bulkId))
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"bulkId '{bulkId}' is used by more than one operation.");
            }

            var data = fields.GetValueOrDefault("data");
            if (data is not null and not JsonObject)
            {
                throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{i}].data must be an object.");
            }

            var version = fields.GetValueOrDefault("version") is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            operations.Add(new Operation(i, method, bulkId, path.Trim(), data as JsonObject, version));
        }

        return (operations, failOnErrors);
    }

    /// <summary>The bulkIds an operation refers to, in its path or anywhere in its data.</summary>
    private static HashSet<string> References(Operation operation)
    {
        var references = new HashSet<string>(StringComparer.Ordinal);
        Collect(JsonValue.Create(operation.Path), references);
        Collect(operation.Data, references);
        return references;

        static void Collect(JsonNode? node, HashSet<string> into)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (_, value) in obj)
                    {
                        Collect(value, into);
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        Collect(item, into);
                    }

                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() is var text:
                    var at = text.IndexOf(BulkIdPrefix, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        var id = text[(at + BulkIdPrefix.Length)..];
                        var end = id.IndexOfAny(['/', '"', ' ', '?']);
                        into.Add(end < 0 ? id : id[..end]);
                    }

                    break;
            }
        }
    }

    private static string Resolve(string text, Dictionary<string, Guid?> created)
    {
        var at = text.IndexOf(BulkIdPrefix, StringComparison.Ordinal);
        if (at < 0)
        {
            return text;
        }

        var rest = text[(at + BulkIdPrefix.Length)..];
        var end = rest.IndexOfAny(['/', '"', ' ', '?']);
        var bulkId = end < 0 ? rest : rest[..end];
        if (!created.TryGetValue(bulkId, out var id))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidValue, $"bulkId '{bulkId}' is not defined by an operation of this request.");
        }

        if (id is null)
        {
            throw new ScimException(HttpStatusCode.Conflict, $"The operation with bulkId '{bulkId}' failed, so its resource cannot be referenced.", ScimErrorType.InvalidValue);
        }

        return text[..at] + id.Value.ToString() + (end < 0 ? "" : rest[end..]);
    }

    /// <summary>Replaces <c>bulkId:</c> references in string values, in place.</summary>
    private static void ResolveIn(JsonNode? node, Dictionary<string, Guid?> created)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(m => m.Key).ToList())
                {
                    if (IsReference(obj[key], out var text))
                    {
                        obj[key] = Resolve(text, created);
                    }
                    else
                    {
                        ResolveIn(obj[key], created);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (IsReference(array[i], out var text))
                    {
                        array[i] = Resolve(text, created);
                    }
                    else
                    {
                        ResolveIn(array[i], created);
                    }
                }

                break;
        }
    }

    private static bool IsReference(JsonNode? node, out string text)
    {
        text = node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : "";
        return text.Contains(BulkIdPrefix, StringComparison.Ordinal);
    }
}
