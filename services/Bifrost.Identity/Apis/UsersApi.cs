using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Identity.Apis;

public sealed record UserResponse(
    Guid Id,
    Guid ProviderId,
    string UserName,
    string? ExternalId,
    string? DisplayName,
    string? Email,
    string State,
    IReadOnlyDictionary<string, string> Attributes,
    long Version,
    string? LastTraceId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record PagedResponse<T>(IReadOnlyList<T> Items, int Offset, int Limit, int Total);

internal static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/users").WithTags("Users");

        api.MapGet("/", ListUsersAsync).WithName("ListUsers").WithSummary("Provisioned users; search matches userName, e-mail and name");
        api.MapGet("/{id:guid}", GetUserAsync).WithName("GetUser").WithSummary("One governance user");

        return api;
    }

    public static async Task<Results<Ok<PagedResponse<UserResponse>>, ValidationProblem>> ListUsersAsync(
        IdentityDbContext db, string? search, Guid? providerId, string? state, CancellationToken cancellationToken, int offset = 0, int limit = 50)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset < 0)
        {
            errors["offset"] = ["offset must be 0 or more."];
        }

        if (limit is < 1 or > 500)
        {
            errors["limit"] = ["limit must be between 1 and 500."];
        }

        UserState? parsedState = null;
        if (state is not null)
        {
            if (Enum.TryParse<UserState>(state, ignoreCase: true, out var s) && Enum.IsDefined(s))
            {
                parsedState = s;
            }
            else
            {
                errors["state"] = ["state must be one of active, suspended, deleted."];
            }
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

        if (parsedState is { } wanted)
        {
            query = query.Where(u => u.State == wanted);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = $"%{EscapeLike(search.Trim())}%";
            query = query.Where(u => EF.Functions.ILike(u.UserName, pattern, "\\")
                || (u.Email != null && EF.Functions.ILike(u.Email, pattern, "\\"))
                || (u.DisplayName != null && EF.Functions.ILike(u.DisplayName, pattern, "\\")));
        }

        var total = await query.CountAsync(cancellationToken);
        var users = await query.OrderBy(u => u.UserName).ThenBy(u => u.Id).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResponse<UserResponse>(users.Select(u => u.ToResponse()).ToList(), offset, limit, total));
    }

    public static async Task<Results<Ok<UserResponse>, NotFound>> GetUserAsync(Guid id, IdentityDbContext db, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        return user is null ? TypedResults.NotFound() : TypedResults.Ok(user.ToResponse());
    }

    private static UserResponse ToResponse(this GovernanceUser u) => new(
        u.Id, u.ProviderId, u.UserName, u.ExternalId, u.DisplayName, u.Email, u.State.ToString().ToLowerInvariant(), u.Attributes, u.Version, u.LastTraceId, u.CreatedAt, u.UpdatedAt);

    private static string EscapeLike(string value) => value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
