using System.Data;
using System.Buffers.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Apis;

/// <summary>
/// A governance user. <see cref="Attributes"/> is the profile: the standard SCIM attributes (core and enterprise) plus
/// exactly the provider's declared custom SCIM attributes (exact-case names); every other attribute is stored, not shown. <see cref="Role"/> is
/// null when no rule matches, and <see cref="RoleReason"/> says which rule decided it.
/// </summary>
public sealed record UserResponse(
    Guid Id,
    Guid ProviderId,
    string UserName,
    string? ExternalId,
    string? DisplayName,
    string? Email,
    string State,
    IReadOnlyDictionary<string, string> Attributes,
    string? Role,
    RoleReason? RoleReason,
    long Version,
    string? LastTraceId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record GroupResponse(Guid Id, string DisplayName);

public sealed record AffiliationResponse(Guid Id, string Name, IReadOnlyList<string> Sources);

/// <summary>One user in full: <see cref="User"/> plus the SCIM groups they are a member of, their teams and business units.</summary>
public sealed record UserDetailResponse(
    Guid Id,
    Guid ProviderId,
    string UserName,
    string? ExternalId,
    string? DisplayName,
    string? Email,
    string State,
    IReadOnlyDictionary<string, string> Attributes,
    string? Role,
    RoleReason? RoleReason,
    IReadOnlyList<GroupResponse> Groups,
    IReadOnlyList<AffiliationResponse> Teams,
    IReadOnlyList<AffiliationResponse> BusinessUnits,
    long Version,
    string? LastTraceId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A page ordered by userName then id. <see cref="NextCursor"/> continues after the last item (null on the last page).</summary>
public sealed record PagedResponse<T>(IReadOnlyList<T> Items, int Offset, int Limit, int Total, string? NextCursor);

/// <summary>The users list's query string, parsed by <see cref="UsersApi.ListUsersAsync"/> (a bad value is a 400, never a 500).</summary>
public sealed record UserListQuery(
    string? Search, string? ProviderId, string? State, string? Role, string? Team, string? BusinessUnit, string? Offset, string? Limit, string? Cursor);

internal static class UsersApi
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    private const string EnterpriseUrn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// <summary>
    /// Standard SCIM User attributes shown on every governance user (scalars, as ingestion flattens them): the core
    /// schema and the enterprise extension. Anything else is custom and shown only when the provider declares it
    /// (decision g).
    /// </summary>
    public static readonly HashSet<string> CoreAttributes = new(StringComparer.Ordinal)
    {
        "userName", "externalId", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
        "locale", "timezone", "name.formatted", "name.familyName", "name.givenName", "name.middleName",
        "name.honorificPrefix", "name.honorificSuffix",
        $"{EnterpriseUrn}:employeeNumber", $"{EnterpriseUrn}:costCenter", $"{EnterpriseUrn}:organization",
        $"{EnterpriseUrn}:division", $"{EnterpriseUrn}:department", $"{EnterpriseUrn}:manager",
    };

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/users").WithTags("Users");

        api.MapGet("/", ListUsersAsync).WithName("ListUsers")
            .WithSummary("Governance users: search (userName, name, e-mail), filters (providerId, state, role, team, businessUnit), offset or cursor pages");
        api.MapGet("/{id:guid}", GetUserAsync).WithName("GetUser").WithSummary("One governance user: profile, state, role and why, groups, teams, business units");

        return api;
    }

    public static async Task<Results<Ok<PagedResponse<UserResponse>>, ValidationProblem>> ListUsersAsync(
        [AsParameters] UserListQuery q, IdentityDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var offset = ParseInt(q.Offset, "offset", 0, 0, int.MaxValue, errors);
        var limit = ParseInt(q.Limit, "limit", DefaultLimit, 1, MaxLimit, errors);
        var providerId = ParseGuid(q.ProviderId, "providerId", errors);
        var team = ParseGuid(q.Team, "team", errors);
        var businessUnit = ParseGuid(q.BusinessUnit, "businessUnit", errors);
        var cursor = q.Cursor is null ? null : DecodeCursor(q.Cursor);
        if (q.Cursor is not null && cursor is null)
        {
            errors["cursor"] = ["cursor is not one this API returned."];
        }
        else if (cursor is not null && offset > 0)
        {
            errors["cursor"] = ["use offset or cursor, not both."];
        }

        UserState? state = null;
        if (q.State is not null)
        {
            if (q.State is "active" or "suspended" or "deleted")
            {
                state = Enum.Parse<UserState>(q.State, ignoreCase: true);
            }
            else
            {
                errors["state"] = ["state must be one of active, suspended, deleted."];
            }
        }

        if (q.Role is not null && q.Role != "none" && RoleResolver.Rank(q.Role) < 0)
        {
            errors["role"] = ["role must be one of admin, developer, viewer, none."];
        }

        if (q.Search?.Length > 256)
        {
            errors["search"] = ["search must be at most 256 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var query = db.Users.AsNoTracking();
        if (providerId is { } provider)
        {
            query = query.Where(u => u.ProviderId == provider);
        }

        if (state is { } wanted)
        {
            query = query.Where(u => u.State == wanted);
        }

        if (q.Role == "none")
        {
            query = query.Where(u => u.Role == null);
        }
        else if (q.Role is not null)
        {
            query = query.Where(u => u.Role == q.Role);
        }

        if (team is { } teamId)
        {
            query = query.Where(u => db.UserAffiliations.Any(a => a.UserId == u.Id && a.Kind == AffiliationKind.Team && a.TargetId == teamId && a.Sources.Length > 0));
        }

        if (businessUnit is { } unitId)
        {
            query = query.Where(u => db.UserAffiliations.Any(a => a.UserId == u.Id && a.Kind == AffiliationKind.BusinessUnit && a.TargetId == unitId && a.Sources.Length > 0));
        }

        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var pattern = $"%{EscapeLike(q.Search.Trim())}%";
            query = query.Where(u => EF.Functions.ILike(u.UserName, pattern, "\\")
                || (u.Email != null && EF.Functions.ILike(u.Email, pattern, "\\"))
                || (u.DisplayName != null && EF.Functions.ILike(u.DisplayName, pattern, "\\")));
        }

        var total = await query.CountAsync(cancellationToken);
        if (cursor is { } after)
        {
            query = query.Where(u => string.Compare(u.UserName, after.UserName) > 0 || (u.UserName == after.UserName && u.Id.CompareTo(after.Id) > 0));
        }

        var page = await query.OrderBy(u => u.UserName).ThenBy(u => u.Id).Skip(offset).Take(limit + 1).ToListAsync(cancellationToken);
        var more = page.Count > limit;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        var declared = await DeclaredAttributesAsync(db, page.Select(u => u.ProviderId), cancellationToken);
        var next = more ? EncodeCursor(page[^1].UserName, page[^1].Id) : null;
        return TypedResults.Ok(new PagedResponse<UserResponse>(page.Select(u => u.ToResponse(declared)).ToList(), offset, limit, total, next));
    }

    public static async Task<Results<Ok<UserDetailResponse>, NotFound>> GetUserAsync(
        Guid id, IdentityDbContext db, CancellationToken cancellationToken)
    {
        // One snapshot for the four reads: the role and the groups it came from must never show two different moments
        // (a membership change committing between them would show a role without the group that grants it). The
        // transaction runs inside the execution strategy, so a transient failure retries all four reads together.
        var detail = await db.Database.CreateExecutionStrategy().ExecuteAsync(
            ct => ReadUserDetailAsync(db, id, ct), cancellationToken);
        return detail is null ? TypedResults.NotFound() : TypedResults.Ok(detail);
    }

    private static async Task<UserDetailResponse?> ReadUserDetailAsync(IdentityDbContext db, Guid id, CancellationToken cancellationToken)
    {
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var declared = await DeclaredAttributesAsync(db, [user.ProviderId], cancellationToken);
        var groups = await (from m in db.GroupMemberships
                            join g in db.Groups on m.GroupId equals g.Id
                            where m.UserId == id && m.Active && !g.Deleted && g.DisplayName != null
                            orderby g.DisplayName, g.Id
                            select new GroupResponse(g.Id, g.DisplayName!))
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        var affiliations = await db.UserAffiliations.AsNoTracking()
            .Where(a => a.UserId == id && a.Sources.Length > 0)
            .OrderBy(a => a.Name).ThenBy(a => a.TargetId)
            .ToListAsync(cancellationToken);
        AffiliationResponse[] Of(AffiliationKind kind) =>
            [.. affiliations.Where(a => a.Kind == kind).Select(a => new AffiliationResponse(a.TargetId, a.Name, a.Sources))];

        return new UserDetailResponse(
            user.Id, user.ProviderId, user.UserName, user.ExternalId, user.DisplayName, user.Email, StateName(user.State),
            Profile(user, declared), user.Role, user.RoleReason, groups, Of(AffiliationKind.Team), Of(AffiliationKind.BusinessUnit),
            user.Version, user.LastTraceId, user.CreatedAt, user.UpdatedAt);
    }

    /// <summary>The core attributes plus the provider's declared ones (exact case) that the user has.</summary>
    public static Dictionary<string, string> Profile(GovernanceUser user, IReadOnlyDictionary<Guid, IReadOnlyList<string>> declared)
    {
        var shown = declared.GetValueOrDefault(user.ProviderId) ?? [];
        return user.Attributes
            .Where(a => CoreAttributes.Contains(a.Key) || shown.Contains(a.Key, StringComparer.Ordinal))
            .OrderBy(a => a.Key, StringComparer.Ordinal)
            .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
    }

    private static async Task<IReadOnlyDictionary<Guid, IReadOnlyList<string>>> DeclaredAttributesAsync(
        IdentityDbContext db, IEnumerable<Guid> providerIds, CancellationToken cancellationToken)
    {
        var ids = providerIds.Distinct().ToArray();
        var providers = await db.Providers.AsNoTracking().Where(p => ids.Contains(p.Id)).Select(p => new { p.Id, p.Mappings }).ToListAsync(cancellationToken);
        return providers.ToDictionary(p => p.Id, p => p.Mappings.ScimAttributes);
    }

    private static UserResponse ToResponse(this GovernanceUser u, IReadOnlyDictionary<Guid, IReadOnlyList<string>> declared) => new(
        u.Id, u.ProviderId, u.UserName, u.ExternalId, u.DisplayName, u.Email, StateName(u.State), Profile(u, declared), u.Role, u.RoleReason,
        u.Version, u.LastTraceId, u.CreatedAt, u.UpdatedAt);

    private static string StateName(UserState state) => state.ToString().ToLowerInvariant();

    private static int ParseInt(string? value, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return fallback;
        }

        if (int.TryParse(value, out var parsed) && parsed >= min && parsed <= max)
        {
            return parsed;
        }

        errors[name] = [max == int.MaxValue ? $"{name} must be an integer, {min} or more." : $"{name} must be an integer between {min} and {max}."];
        return fallback;
    }

    private static Guid? ParseGuid(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (Guid.TryParse(value, out var parsed))
        {
            return parsed;
        }

        errors[name] = [$"{name} must be an id (a GUID)."];
        return null;
    }

    private sealed record Cursor(string UserName, Guid Id);

    private static string EncodeCursor(string userName, Guid id) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Cursor(userName, id), JsonSerializerOptions.Web));

    private static Cursor? DecodeCursor(string value)
    {
        try
        {
            return value.Length <= 4096 ? JsonSerializer.Deserialize<Cursor>(Base64Url.DecodeFromChars(value), JsonSerializerOptions.Web) is { UserName: not null } c ? c : null : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
