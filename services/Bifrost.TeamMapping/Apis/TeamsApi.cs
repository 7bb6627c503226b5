using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bifrost.TeamMapping.Apis;

public sealed record TeamResponse(Guid Id, string Name, Guid? ProviderId, Guid? ScimGroupId, bool Archived, int MemberCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record MembershipSourceResponse(string Source, DateTimeOffset GrantedAt);

public sealed record TeamMemberResponse(Guid UserId, IReadOnlyList<MembershipSourceResponse> Sources);

public sealed record PagedResponse<T>(IReadOnlyList<T> Items, int Offset, int Limit, int Total);

public sealed record CreateTeamRequest([property: Required, StringLength(200, MinimumLength = 1)] string Name);

public sealed record AddMemberRequest([property: Required] Guid UserId);

internal static class TeamsApi
{
    public static RouteGroupBuilder MapTeamsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/teams").WithTags("Teams");

        api.MapGet("/", ListTeamsAsync).WithName("ListTeams").WithSummary("Teams; search matches the name");
        api.MapPost("/", CreateTeamAsync).WithName("CreateTeam").WithSummary("A manual team (not linked to a SCIM group)");
        api.MapGet("/{id:guid}", GetTeamAsync).WithName("GetTeam");
        api.MapGet("/{id:guid}/members", ListMembersAsync).WithName("ListTeamMembers").WithSummary("Active members with the source of each grant");
        api.MapPost("/{id:guid}/members", AddManualMemberAsync).WithName("AddTeamMember").WithSummary("Add a manual member; a sync never removes it");
        api.MapDelete("/{id:guid}/members/{userId:guid}", RemoveManualMemberAsync).WithName("RemoveTeamMember").WithSummary("Remove a manual membership");

        return api;
    }

    public static async Task<Results<Ok<PagedResponse<TeamResponse>>, ValidationProblem>> ListTeamsAsync(
        TeamMappingDbContext db, string? search, Guid? providerId, CancellationToken cancellationToken, bool includeArchived = false, int offset = 0, int limit = 50)
    {
        if (offset < 0 || limit is < 1 or > 500)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["paging"] = ["offset must be 0 or more and limit between 1 and 500."] });
        }

        var teams = db.Teams.AsNoTracking();
        if (!includeArchived)
        {
            teams = teams.Where(t => t.ArchivedAt == null);
        }

        if (providerId is { } provider)
        {
            teams = teams.Where(t => t.ProviderId == provider);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + search.Trim().ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            teams = teams.Where(t => EF.Functions.Like(t.NameKey, pattern, "\\"));
        }

        var total = await teams.CountAsync(cancellationToken);
        var page = await Project(db, teams.OrderBy(t => t.NameKey).ThenBy(t => t.Id).Skip(offset).Take(limit)).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResponse<TeamResponse>(page, offset, limit, total));
    }

    public static async Task<Results<Ok<TeamResponse>, NotFound>> GetTeamAsync(Guid id, TeamMappingDbContext db, CancellationToken cancellationToken)
    {
        var team = await Project(db, db.Teams.AsNoTracking().Where(t => t.Id == id)).SingleOrDefaultAsync(cancellationToken);
        return team is null ? TypedResults.NotFound() : TypedResults.Ok(team);
    }

    public static async Task<Results<Created<TeamResponse>, ProblemHttpResult>> CreateTeamAsync(CreateTeamRequest request, TeamMappingDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var name = request.Name.Trim();
        if (await db.Teams.AnyAsync(t => t.ProviderId == null && t.NameKey == name.ToLowerInvariant() && t.ArchivedAt == null, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "A manual team with this name exists.");
        }

        var team = new Team { Id = Guid.CreateVersion7(), CreatedAt = now, UpdatedAt = now };
        team.Rename(name);
        db.Teams.Add(team);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/teams/{team.Id}", new TeamResponse(team.Id, team.Name, null, null, false, 0, now, now));
    }

    public static async Task<Results<Ok<PagedResponse<TeamMemberResponse>>, NotFound>> ListMembersAsync(
        Guid id, TeamMappingDbContext db, CancellationToken cancellationToken, int offset = 0, int limit = 100)
    {
        if (!await db.Teams.AnyAsync(t => t.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        limit = Math.Clamp(limit, 1, 1000);
        var active = db.Memberships.AsNoTracking().Where(m => m.TeamId == id && m.Active);
        var total = await active.Select(m => m.UserId).Distinct().CountAsync(cancellationToken);
        var users = await active.Select(m => m.UserId).Distinct().OrderBy(u => u).Skip(Math.Max(0, offset)).Take(limit).ToListAsync(cancellationToken);
        var grants = await active.Where(m => users.Contains(m.UserId)).ToListAsync(cancellationToken);
        var items = users.Select(u => new TeamMemberResponse(u, grants.Where(g => g.UserId == u)
            .OrderBy(g => g.Source).Select(g => new MembershipSourceResponse(SourceName(g.Source), g.GrantedAt)).ToList())).ToList();
        return TypedResults.Ok(new PagedResponse<TeamMemberResponse>(items, offset, limit, total));
    }

    public static async Task<Results<Created, NotFound, ProblemHttpResult>> AddManualMemberAsync(
        Guid id, AddMemberRequest request, TeamMappingDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await db.Teams.AnyAsync(t => t.Id == id && t.ArchivedAt == null, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow();
        db.Memberships.Add(new TeamMembership { TeamId = id, UserId = request.UserId, Source = MembershipSource.Manual, Active = true, GrantedAt = now, UpdatedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "The user is already a manual member of this team.");
        }

        return TypedResults.Created($"/api/teams/{id}/members/{request.UserId}");
    }

    public static async Task<Results<NoContent, NotFound>> RemoveManualMemberAsync(Guid id, Guid userId, TeamMappingDbContext db, CancellationToken cancellationToken)
    {
        var removed = await db.Memberships
            .Where(m => m.TeamId == id && m.UserId == userId && m.Source == MembershipSource.Manual)
            .ExecuteDeleteAsync(cancellationToken);
        return removed == 0 ? TypedResults.NotFound() : TypedResults.NoContent();
    }

    private static IQueryable<TeamResponse> Project(TeamMappingDbContext db, IQueryable<Team> teams) =>
        teams.Select(t => new TeamResponse(t.Id, t.Name, t.ProviderId, t.ScimGroupId, t.ArchivedAt != null,
            db.Memberships.Where(m => m.TeamId == t.Id && m.Active).Select(m => m.UserId).Distinct().Count(), t.CreatedAt, t.UpdatedAt));

    private static string SourceName(MembershipSource source) => source switch
    {
        MembershipSource.Manual => "manual",
        MembershipSource.ScimGroup => "scim_group",
        _ => "attribute_mapping",
    };
}
