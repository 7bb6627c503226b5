using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.Apis;

/// <summary>One provisioning log entry as the admin API shows it.</summary>
public sealed record ProvisioningLogEntryResponse(
    long Id,
    DateTimeOffset OccurredAt,
    Guid? ProviderId,
    string Method,
    string ResourceType,
    string Operation,
    Guid? ResourceId,
    string Outcome,
    int Status,
    string? ScimType,
    double DurationMs,
    string? TraceId);

/// <summary>A page, newest first; <c>nextCursor</c> (null on the last page) continues it.</summary>
public sealed record ProvisioningLogPage(IReadOnlyList<ProvisioningLogEntryResponse> Items, string? NextCursor);

/// <summary>The filters of <c>GET /api/provisioning-log</c>; all optional, combined with AND.</summary>
public sealed record ProvisioningLogQuery(
    string? ProviderId,
    string? Outcome,
    string? Status,
    string? Method,
    string? ResourceType,
    string? ResourceId,
    string? From,
    string? To,
    string? TraceId,
    string? Cursor,
    string? Limit);

/// <summary>
/// <c>GET /api/provisioning-log</c> (decision i): every SCIM request ingestion answered, newest first, with keyset
/// pagination. Behind the gateway's admin policy (viewer keys may read). Parameters are read as strings so that every
/// malformed one is a 400 ValidationProblem naming it.
/// </summary>
internal static class ProvisioningLogApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    private static readonly string[] s_outcomes = [ProvisioningLogEntry.Success, ProvisioningLogEntry.Failure];
    private static readonly string[] s_resourceTypes = ["User", "Group", "Bulk", "Search", "Discovery", "Me", "Unknown"];

    public static RouteGroupBuilder MapProvisioningLogApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/provisioning-log").WithTags("Provisioning log");

        api.MapGet("/", ListAsync).WithName("ListProvisioningLog")
            .WithSummary("SCIM requests as ingestion answered them, newest first")
            .WithDescription("Filters: providerId, outcome (success|failure), status, method, resourceType, resourceId, from/to (ISO 8601), traceId. " +
                             $"Keyset pagination: pass nextCursor as cursor; limit 1–{MaxLimit} (default {DefaultLimit}).");

        return api;
    }

    public static async Task<Results<Ok<ProvisioningLogPage>, ValidationProblem>> ListAsync(
        [AsParameters] ProvisioningLogQuery query, IngestionDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var providerId = ParseGuid(query.ProviderId, "providerId", errors);
        var resourceId = ParseGuid(query.ResourceId, "resourceId", errors);
        var from = ParseTime(query.From, "from", errors);
        var to = ParseTime(query.To, "to", errors);
        if (from is { } f && to is { } t && f > t)
        {
            errors["to"] = ["to must not be before from."];
        }

        var outcome = query.Outcome?.ToLowerInvariant();
        if (outcome is not null && !s_outcomes.Contains(outcome))
        {
            errors["outcome"] = ["outcome must be success or failure."];
        }

        int? status = null;
        if (query.Status is not null)
        {
            if (int.TryParse(query.Status, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 100 and <= 599)
            {
                status = s;
            }
            else
            {
                errors["status"] = ["status must be an HTTP status code (100–599)."];
            }
        }

        var method = query.Method?.ToUpperInvariant();
        if (method is not null && (method.Length is 0 or > 16 || !method.All(char.IsAsciiLetterUpper)))
        {
            errors["method"] = ["method must be an HTTP method such as GET, POST, PUT, PATCH or DELETE."];
        }

        string? resourceType = null;
        if (query.ResourceType is not null)
        {
            resourceType = s_resourceTypes.FirstOrDefault(r => r.Equals(query.ResourceType, StringComparison.OrdinalIgnoreCase));
            if (resourceType is null)
            {
                errors["resourceType"] = [$"resourceType must be one of {string.Join(", ", s_resourceTypes)}."];
            }
        }

        var traceId = query.TraceId?.ToLowerInvariant();
        if (traceId is not null && (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigitLower)))
        {
            errors["traceId"] = ["traceId must be a W3C trace id: 32 hexadecimal characters."];
        }

        var limit = DefaultLimit;
        if (query.Limit is not null && (!int.TryParse(query.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        }

        Cursor? cursor = null;
        if (query.Cursor is not null)
        {
            cursor = Cursor.TryParse(query.Cursor);
            if (cursor is null)
            {
                errors["cursor"] = ["cursor must be a nextCursor value returned by this API."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var entries = db.Set<ProvisioningLogEntry>().AsNoTracking();
        if (providerId is { } provider)
        {
            entries = entries.Where(e => e.ProviderId == provider);
        }

        // Constants, not parameters: the planner can then use the failure rows' partial indexes.
        if (outcome is not null)
        {
            entries = outcome == ProvisioningLogEntry.Failure
                ? entries.Where(e => e.Outcome == ProvisioningLogEntry.Failure)
                : entries.Where(e => e.Outcome == ProvisioningLogEntry.Success);
        }

        if (status is { } wantedStatus)
        {
            entries = entries.Where(e => e.Status == wantedStatus);
        }

        if (method is not null)
        {
            entries = entries.Where(e => e.Method == method);
        }

        if (resourceType is not null)
        {
            entries = entries.Where(e => e.ResourceType == resourceType);
        }

        if (resourceId is { } resource)
        {
            entries = entries.Where(e => e.ResourceId == resource);
        }

        if (from is { } fromTime)
        {
            entries = entries.Where(e => e.OccurredAt >= fromTime);
        }

        if (to is { } toTime)
        {
            entries = entries.Where(e => e.OccurredAt <= toTime);
        }

        if (traceId is not null)
        {
            entries = entries.Where(e => e.TraceId == traceId);
        }

        if (cursor is { } after)
        {
            entries = entries.Where(e => EF.Functions.LessThan(ValueTuple.Create(e.OccurredAt, e.Id), ValueTuple.Create(after.OccurredAt, after.Id)));
        }

        var page = await entries
            .OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id)
            .Take(limit + 1)
            .Select(e => new ProvisioningLogEntryResponse(e.Id, e.OccurredAt, e.ProviderId, e.Method, e.ResourceType, e.Operation, e.ResourceId,
                e.Outcome, e.Status, e.ScimType, e.DurationMs, e.TraceId))
            .ToListAsync(cancellationToken);

        string? next = null;
        if (page.Count > limit)
        {
            page.RemoveAt(limit);
            next = new Cursor(page[^1].OccurredAt, page[^1].Id).ToString();
        }

        return TypedResults.Ok(new ProvisioningLogPage(page, next));
    }

    private static Guid? ParseGuid(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (Guid.TryParse(value, out var id))
        {
            return id;
        }

        errors[name] = [$"{name} must be a GUID."];
        return null;
    }

    private static DateTimeOffset? ParseTime(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            && value.Length >= 10 && value[4] == '-' && value[7] == '-')
        {
            return time;
        }

        errors[name] = [$"{name} must be an ISO 8601 date or date-time, e.g. 2026-11-29T21:00:00Z."];
        return null;
    }

    /// <summary>The position after the last entry of a page: (occurred_at, id), opaque to clients (base64url).</summary>
    private sealed record Cursor(DateTimeOffset OccurredAt, long Id)
    {
        public override string ToString() =>
            Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{OccurredAt.UtcTicks}.{Id}")));

        public static Cursor? TryParse(string value)
        {
            if (value.Length > 64 || !Base64Url.IsValid(value))
            {
                return null;
            }

            var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(value)).Split('.');
            return parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? new Cursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
        }
    }
}
