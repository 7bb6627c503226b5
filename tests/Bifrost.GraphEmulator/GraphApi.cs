using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Bifrost.GraphEmulator;

public sealed class EmulatorOptions
{
    public int Users { get; set; } = 300;
    public int Groups { get; set; } = 30;
    public int Seed { get; set; } = 42;

    /// <summary>Groups per user (Emulator__MembershipsPerUser); unset keeps the classic two-group layout.</summary>
    public int? MembershipsPerUser { get; set; }

    public string TenantId { get; set; } = "b1f00057-7e4a-4e00-8000-000000000e17";
    public string ClientId { get; set; } = "b1f00057-c11e-4e00-8000-0000000000c1";

    /// <summary>The client secret the token endpoint accepts (development value; set your own with Emulator__ClientSecret).</summary>
    public string ClientSecret { get; set; } = "emulator-secret";
}

/// <summary>Tokens issued by the emulated client-credentials endpoint, and the "throttle the next N requests" switch.</summary>
public sealed class EmulatorState
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new();
    private int _throttleRemaining;

    public int RetryAfterSeconds { get; private set; } = 1;

    public long Requests;

    public string Issue(TimeProvider time)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = time.GetUtcNow().AddHours(1);
        return token;
    }

    public bool IsValid(string token, TimeProvider time) => _tokens.TryGetValue(token, out var expires) && expires > time.GetUtcNow();

    public void Throttle(int requests, int retryAfterSeconds)
    {
        RetryAfterSeconds = retryAfterSeconds;
        Interlocked.Exchange(ref _throttleRemaining, requests);
    }

    public bool TakeThrottle()
    {
        while (true)
        {
            var remaining = Volatile.Read(ref _throttleRemaining);
            if (remaining <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _throttleRemaining, remaining - 1, remaining) == remaining)
            {
                return true;
            }
        }
    }
}

/// <summary>The Microsoft Graph v1.0 shapes reconciliation reads, with OData paging (<c>$top</c>, absolute
/// <c>@odata.nextLink</c>), <c>$select</c> and <c>$count</c>, behind an emulated OAuth2 client-credentials grant.</summary>
internal static class GraphApi
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 999;

    public static void MapGraphApi(this WebApplication app)
    {
        app.MapPost("/{tenant}/oauth2/v2.0/token", IssueToken);

        var graph = app.MapGroup("/v1.0").AddEndpointFilter(RequireTokenAndThrottle);
        graph.MapGet("/users", (HttpContext http, SyntheticDirectory directory) =>
            Page(http, directory.Options.Users, i => directory.User(i) is { } u ? UserJson(u) : null, "users"));
        graph.MapGet("/users/{id:guid}", (Guid id, SyntheticDirectory directory, HttpContext http) =>
            directory.UserIndex(id) is { } i ? Json(Select(UserJson(directory.User(i)!), http)) : NotFound());
        graph.MapGet("/users/{id:guid}/manager", (Guid id, SyntheticDirectory directory) =>
            directory.UserIndex(id) is { } i && directory.User(i)!.ManagerId is { } manager && directory.UserIndex(manager) is { } m
                ? Json(UserJson(directory.User(m)!)) : NotFound());
        graph.MapGet("/groups", (HttpContext http, SyntheticDirectory directory) =>
            Page(http, directory.Options.Groups, i => directory.GroupIndex(directory.GroupId(i)) is null ? null : GroupJson(directory.Group(i)), "groups"));
        graph.MapGet("/groups/{id:guid}/members", (Guid id, HttpContext http, SyntheticDirectory directory) =>
            directory.GroupIndex(id) is { } g ? MembersPage(http, directory, g) : NotFound());
        graph.MapGet("/servicePrincipals/{id:guid}/appRoleAssignedTo", (Guid id, HttpContext http, SyntheticDirectory directory) =>
            id == directory.ServicePrincipalId ? AssignmentsPage(http, directory) : NotFound());
    }

    private static IResult IssueToken(string tenant, HttpRequest request, EmulatorState state, Microsoft.Extensions.Options.IOptions<EmulatorOptions> options, TimeProvider time)
    {
        var form = request.HasFormContentType ? request.Form : null;
        if (form is null || form["grant_type"] != "client_credentials")
        {
            return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
        }

        if (!string.Equals(tenant, options.Value.TenantId, StringComparison.OrdinalIgnoreCase)
            || form["client_id"] != options.Value.ClientId
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(form["client_secret"].ToString()), Encoding.UTF8.GetBytes(options.Value.ClientSecret)))
        {
            return Results.Json(new { error = "invalid_client", error_description = "AADSTS7000215: Invalid client secret provided." }, statusCode: 401);
        }

        return Results.Json(new { token_type = "Bearer", expires_in = 3599, ext_expires_in = 3599, access_token = state.Issue(time) });
    }

    private static async ValueTask<object?> RequireTokenAndThrottle(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var state = http.RequestServices.GetRequiredService<EmulatorState>();
        Interlocked.Increment(ref state.Requests);
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !state.IsValid(header["Bearer ".Length..].Trim(), http.RequestServices.GetRequiredService<TimeProvider>()))
        {
            return GraphError(401, "InvalidAuthenticationToken", "Access token is empty or invalid.");
        }

        if (state.TakeThrottle())
        {
            http.Response.Headers.RetryAfter = state.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return GraphError(429, "TooManyRequests", "Too many requests (emulated throttling).");
        }

        return await next(context);
    }

    private static IResult Page(HttpContext http, int count, Func<int, JsonObject?> item, string collection)
    {
        var (start, top) = Paging(http);
        var wanted = Selected(http);
        var value = new JsonArray();
        var index = start;
        for (; index < count && value.Count < top; index++)
        {
            if (item(index) is { } json)
            {
                value.Add(Select(json, wanted));
            }
        }

        return Json(Envelope(http, value, index < count ? index : null, collection, count));
    }

    private static IResult MembersPage(HttpContext http, SyntheticDirectory directory, int group)
    {
        var (start, top) = Paging(http);
        var wanted = Selected(http, keep: "@odata.type");
        var idsOnly = wanted is not null && wanted.All(p => p is "id" or "@odata.type");
        var value = new JsonArray();
        int? next = null;
        foreach (var member in directory.Members(group, start))
        {
            if (value.Count == top)
            {
                next = member;
                break;
            }

            if (idsOnly)
            {
                // $select=id, as the reconciliation asks: no need to generate the whole user.
                value.Add(new JsonObject { ["@odata.type"] = "#microsoft.graph.user", ["id"] = directory.UserId(member).ToString() });
                continue;
            }

            var json = UserJson(directory.User(member)!);
            json["@odata.type"] = "#microsoft.graph.user";
            value.Add(Select(json, wanted));
        }

        return Json(Envelope(http, value, next, "directoryObjects", null));
    }

    private static IResult AssignmentsPage(HttpContext http, SyntheticDirectory directory)
    {
        // Groups first (index 0..G-1), then assigned users (index G..G+U-1), as one sequence of assignments.
        var groups = directory.Options.Groups;
        var total = groups + directory.Options.Users;
        return Page(http, total, i =>
        {
            if (i < groups)
            {
                return directory.IsGroupInScope(i) ? Assignment(directory, directory.GroupId(i), "Group", directory.Group(i).DisplayName, i) : null;
            }

            var u = i - groups;
            return directory.Options.IsAssigned(u) && directory.User(u) is { } user ? Assignment(directory, user.Id, "User", user.DisplayName, i) : null;
        }, "appRoleAssignments");
    }

    private static JsonObject Assignment(SyntheticDirectory directory, Guid principal, string type, string name, int i) => new()
    {
        ["id"] = $"assignment-{i}",
        ["principalId"] = principal.ToString(),
        ["principalType"] = type,
        ["principalDisplayName"] = name,
        ["appRoleId"] = directory.AppRoleId.ToString(),
        ["resourceId"] = directory.ServicePrincipalId.ToString(),
    };

    private static JsonObject UserJson(DirectoryUser u) => new()
    {
        ["id"] = u.Id.ToString(),
        ["userPrincipalName"] = u.UserPrincipalName,
        ["displayName"] = u.DisplayName,
        ["givenName"] = u.GivenName,
        ["surname"] = u.Surname,
        ["mail"] = u.Mail,
        ["mailNickname"] = u.MailNickname,
        ["department"] = u.Department,
        ["jobTitle"] = u.JobTitle,
        ["employeeId"] = u.EmployeeId,
        ["accountEnabled"] = u.AccountEnabled,
    };

    private static JsonObject GroupJson(DirectoryGroup g) => new()
    {
        ["id"] = g.Id.ToString(),
        ["displayName"] = g.DisplayName,
        ["mailNickname"] = g.MailNickname,
        ["securityEnabled"] = true,
        ["mailEnabled"] = false,
    };

    /// <summary><c>$select</c>: only the named properties (and <c>id</c>, which Graph always returns).</summary>
    private static JsonObject Select(JsonObject json, HttpContext http, string? keep = null) => Select(json, Selected(http, keep));

    private static JsonObject Select(JsonObject json, HashSet<string>? wanted)
    {
        if (wanted is null)
        {
            return json;
        }

        foreach (var name in json.Select(p => p.Key).Where(k => !wanted.Contains(k)).ToList())
        {
            json.Remove(name);
        }

        return json;
    }

    /// <summary>The properties <c>$select</c> asks for, with <c>id</c> (and <paramref name="keep"/>); null without <c>$select</c>.</summary>
    private static HashSet<string>? Selected(HttpContext http, string? keep = null)
    {
        if (http.Request.Query["$select"].ToString() is not { Length: > 0 } select)
        {
            return null;
        }

        var wanted = select.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        wanted.Add("id");
        if (keep is not null)
        {
            wanted.Add(keep);
        }

        return wanted;
    }

    private static (int Start, int Top) Paging(HttpContext http)
    {
        var top = int.TryParse(http.Request.Query["$top"], CultureInfo.InvariantCulture, out var t) ? Math.Clamp(t, 1, MaxPageSize) : DefaultPageSize;
        var start = http.Request.Query["$skiptoken"].ToString() is { Length: > 0 } token
            && int.TryParse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), CultureInfo.InvariantCulture, out var s) ? s : 0;
        return (start, top);
    }

    private static JsonObject Envelope(HttpContext http, JsonArray value, int? next, string collection, int? count)
    {
        var request = http.Request;
        var envelope = new JsonObject { ["@odata.context"] = $"{request.Scheme}://{request.Host}/v1.0/$metadata#{collection}" };
        if (count is { } c && string.Equals(request.Query["$count"], "true", StringComparison.OrdinalIgnoreCase))
        {
            envelope["@odata.count"] = c;
        }

        if (next is { } n)
        {
            var query = request.Query.Where(q => q.Key != "$skiptoken").Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}")
                .Append($"$skiptoken={Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture))))}");
            envelope["@odata.nextLink"] = $"{request.Scheme}://{request.Host}{request.Path}?{string.Join('&', query)}";
        }

        envelope["value"] = value;
        return envelope;
    }

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");

    private static IResult NotFound() => GraphError(404, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present.");

    private static IResult GraphError(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);
}
