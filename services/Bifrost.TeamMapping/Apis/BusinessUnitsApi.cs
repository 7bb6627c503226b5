using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.TeamMapping.Apis;

public sealed record BusinessUnitResponse(Guid Id, Guid ProviderId, string Name, int MemberCount, DateTimeOffset CreatedAt);

/// <param name="Active">False while the user is suspended (decision c): the memberships stay but are inactive.</param>
public sealed record BusinessUnitMemberResponse(Guid UserId, bool Active, IReadOnlyList<MembershipSourceResponse> Sources);

/// <summary>
/// Business units (decision f): made by BU rules in a provider's scope; members come from rules (source
/// <c>attributeMapping</c>) or from an admin (<c>manual</c>). A sync never removes a manual membership and the API
/// removes only manual ones.
/// </summary>
internal static class BusinessUnitsApi
{
    public const int MaxLimit = 100;

    public static RouteGroupBuilder MapBusinessUnitsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/business-units").WithTags("Business units");

        api.MapGet("/", ListBusinessUnitsAsync).WithName("ListBusinessUnits").WithSummary("Business units; search matches the name");
        api.MapGet("/{id:guid}", GetBusinessUnitAsync).WithName("GetBusinessUnit");
        api.MapGet("/{id:guid}/members", ListMembersAsync).WithName("ListBusinessUnitMembers").WithSummary("Members with the source of each grant and whether the user is active");
        api.MapPost("/{id:guid}/members", AddManualMemberAsync).WithName("AddBusinessUnitMember").WithSummary("Add a manual member; a sync never removes it").RequireAdminRole();
        api.MapDelete("/{id:guid}/members/{userId:guid}", RemoveManualMemberAsync).WithName("RemoveBusinessUnitMember").WithSummary("Remove a manual membership").RequireAdminRole();

        return api;
    }

    public static async Task<Results<Ok<PagedResponse<BusinessUnitResponse>>, ValidationProblem>> ListBusinessUnitsAsync(
        TeamMappingDbContext db, string? search, Guid? providerId, CancellationToken cancellationToken, int offset = 0, int limit = 50)
    {
        if (Paging.IsInvalid(offset, limit, MaxLimit, out var invalid))
        {
            return invalid;
        }

        var units = db.BusinessUnits.AsNoTracking();
        if (providerId is { } provider)
        {
            units = units.Where(b => b.ProviderId == provider);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = Paging.ContainsPattern(search);
            units = units.Where(b => EF.Functions.Like(b.NameKey, pattern, "\\"));
        }

        var total = await units.CountAsync(cancellationToken);
        var page = await Project(db, units.OrderBy(b => b.NameKey).ThenBy(b => b.Id).Skip(offset).Take(limit)).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResponse<BusinessUnitResponse>(page, offset, limit, total));
    }

    public static async Task<Results<Ok<BusinessUnitResponse>, NotFound>> GetBusinessUnitAsync(Guid id, TeamMappingDbContext db, CancellationToken cancellationToken)
    {
        var unit = await Project(db, db.BusinessUnits.AsNoTracking().Where(b => b.Id == id)).SingleOrDefaultAsync(cancellationToken);
        return unit is null ? TypedResults.NotFound() : TypedResults.Ok(unit);
    }

    public static async Task<Results<Ok<PagedResponse<BusinessUnitMemberResponse>>, NotFound, ValidationProblem>> ListMembersAsync(
        Guid id, TeamMappingDbContext db, CancellationToken cancellationToken, int offset = 0, int limit = 100)
    {
        if (Paging.IsInvalid(offset, limit, MaxLimit, out var invalid))
        {
            return invalid;
        }

        if (!await db.BusinessUnits.AnyAsync(b => b.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var rows = db.BusinessUnitMemberships.AsNoTracking().Where(m => m.BusinessUnitId == id);
        var total = await rows.Select(m => m.UserId).Distinct().CountAsync(cancellationToken);
        var users = await rows.Select(m => m.UserId).Distinct().OrderBy(u => u).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        var grants = await rows.Where(m => users.Contains(m.UserId)).ToListAsync(cancellationToken);
        var suspended = await TeamsApi.SuspendedAsync(db, users, cancellationToken);
        var items = users.Select(u => new BusinessUnitMemberResponse(u, !suspended.Contains(u), grants.Where(g => g.UserId == u)
            .OrderBy(g => g.Source).Select(g => new MembershipSourceResponse(AffiliationRefresher.SourceName(g.Source), g.GrantedAt)).ToList())).ToList();
        return TypedResults.Ok(new PagedResponse<BusinessUnitMemberResponse>(items, offset, limit, total));
    }

    public static async Task<Results<Created, NotFound, ValidationProblem, ProblemHttpResult>> AddManualMemberAsync(
        Guid id, AddMemberRequest request, TeamMappingDbContext db, AffiliationRefresher refresher, TimeProvider time, CancellationToken cancellationToken)
    {
        var unit = await db.BusinessUnits.AsNoTracking().Where(b => b.Id == id).Select(b => new { b.ProviderId }).SingleOrDefaultAsync(cancellationToken);
        if (unit is null)
        {
            return TypedResults.NotFound();
        }

        if (request.UserId == Guid.Empty)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["userId is required."] });
        }

        if (await TeamsApi.OtherProviderAsync(db, request.UserId, unit.ProviderId, cancellationToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["The user belongs to another provider."] });
        }

        var now = time.GetUtcNow();
        var source = nameof(MembershipSource.Manual);
        var added = await TeamsApi.InTransactionAsync(db, async ct =>
        {
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO team_mapping.business_unit_memberships (business_unit_id, user_id, source, granted_at)
                VALUES ({id}, {request.UserId}, {source}, {now}) ON CONFLICT DO NOTHING
                """, ct);
            if (inserted > 0)
            {
                refresher.BusinessUnitChanged(request.UserId, id);
                await refresher.RefreshAsync(unit.ProviderId, [request.UserId], ct);
            }

            return inserted > 0;
        }, cancellationToken);

        return added
            ? TypedResults.Created($"/api/business-units/{id}/members/{request.UserId}")
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "The user is already a manual member of this business unit.");
    }

    public static async Task<Results<NoContent, NotFound>> RemoveManualMemberAsync(
        Guid id, Guid userId, TeamMappingDbContext db, AffiliationRefresher refresher, CancellationToken cancellationToken)
    {
        var removed = await TeamsApi.InTransactionAsync(db, async ct =>
        {
            var rows = await db.BusinessUnitMemberships
                .Where(m => m.BusinessUnitId == id && m.UserId == userId && m.Source == MembershipSource.Manual)
                .ExecuteDeleteAsync(ct);
            if (rows > 0)
            {
                refresher.BusinessUnitChanged(userId, id);
                await refresher.RefreshAsync(null, [userId], ct);
            }

            return rows > 0;
        }, cancellationToken);
        return removed ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static IQueryable<BusinessUnitResponse> Project(TeamMappingDbContext db, IQueryable<BusinessUnit> units) =>
        units.Select(b => new BusinessUnitResponse(b.Id, b.ProviderId, b.Name,
            db.BusinessUnitMemberships.Where(m => m.BusinessUnitId == b.Id).Select(m => m.UserId).Distinct().Count(), b.CreatedAt));
}
