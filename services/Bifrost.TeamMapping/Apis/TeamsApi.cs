using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bifrost.TeamMapping.Apis;

public sealed record TeamResponse(Guid Id, string Name, Guid? ProviderId, Guid? ScimGroupId, bool Archived, int MemberCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record MembershipSourceResponse(string Source, DateTimeOffset GrantedAt);

/// <param name="Active">False while the user is suspended (decision c): the memberships stay but are inactive.</param>
public sealed record TeamMemberResponse(Guid UserId, bool Active, IReadOnlyList<MembershipSourceResponse> Sources);

public sealed record RecomputationResponse(Guid ProviderId, string Status, long MappingsVersion, int Processed, int Total, DateTimeOffset QueuedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, string? Error);

public sealed record PagedResponse<T>(IReadOnlyList<T> Items, int Offset, int Limit, int Total);

public sealed record CreateTeamRequest([property: Required, StringLength(200, MinimumLength = 1)] string Name);

public sealed record AddMemberRequest([property: Required] Guid UserId);

internal static class TeamsApi
{
    public static RouteGroupBuilder MapTeamsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/teams").WithTags("Teams");

        api.MapGet("/", ListTeamsAsync).WithName("ListTeams").WithSummary("Teams; search matches the name");
        api.MapPost("/", CreateTeamAsync).WithName("CreateTeam").WithSummary("A manual team (not linked to a SCIM group)").RequireAdminRole();
        api.MapGet("/{id:guid}", GetTeamAsync).WithName("GetTeam");
        api.MapGet("/{id:guid}/members", ListMembersAsync).WithName("ListTeamMembers").WithSummary("Members with the source of each grant and whether the user is active");
        api.MapPost("/{id:guid}/members", AddManualMemberAsync).WithName("AddTeamMember").WithSummary("Add a manual member; a sync never removes it").RequireAdminRole();
        api.MapDelete("/{id:guid}/members/{userId:guid}", RemoveManualMemberAsync).WithName("RemoveTeamMember").WithSummary("Remove a manual membership").RequireAdminRole();
        api.MapGet("/recomputations/{providerId:guid}", GetRecomputationAsync).WithName("GetTeamRecomputation")
            .WithSummary("Progress of the re-evaluation of a provider's users after its rules changed");

        return api;
    }

    public static async Task<Results<Ok<PagedResponse<TeamResponse>>, ValidationProblem>> ListTeamsAsync(
        TeamMappingDbContext db, string? search, Guid? providerId, CancellationToken cancellationToken, bool includeArchived = false, int offset = 0, int limit = 50)
    {
        if (Paging.IsInvalid(offset, limit, 500, out var invalid))
        {
            return invalid;
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
            var pattern = Paging.ContainsPattern(search);
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

    public static async Task<Results<Ok<PagedResponse<TeamMemberResponse>>, NotFound, ValidationProblem>> ListMembersAsync(
        Guid id, TeamMappingDbContext db, CancellationToken cancellationToken, int offset = 0, int limit = 100)
    {
        if (Paging.IsInvalid(offset, limit, 1000, out var invalid))
        {
            return invalid;
        }

        if (!await db.Teams.AnyAsync(t => t.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var active = db.Memberships.AsNoTracking().Where(m => m.TeamId == id && m.Active);
        var total = await active.Select(m => m.UserId).Distinct().CountAsync(cancellationToken);
        var users = await active.Select(m => m.UserId).Distinct().OrderBy(u => u).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        var grants = await active.Where(m => users.Contains(m.UserId)).ToListAsync(cancellationToken);
        var suspended = await SuspendedAsync(db, users, cancellationToken);
        var items = users.Select(u => new TeamMemberResponse(u, !suspended.Contains(u), grants.Where(g => g.UserId == u)
            .OrderBy(g => g.Source).Select(g => new MembershipSourceResponse(AffiliationRefresher.SourceName(g.Source), g.GrantedAt)).ToList())).ToList();
        return TypedResults.Ok(new PagedResponse<TeamMemberResponse>(items, offset, limit, total));
    }

    public static async Task<Results<Created, NotFound, ValidationProblem, ProblemHttpResult>> AddManualMemberAsync(
        Guid id, AddMemberRequest request, TeamMappingDbContext db, AffiliationRefresher refresher, TimeProvider time, CancellationToken cancellationToken)
    {
        var team = await db.Teams.AsNoTracking().Where(t => t.Id == id && t.ArchivedAt == null).Select(t => new { t.ProviderId }).SingleOrDefaultAsync(cancellationToken);
        if (team is null)
        {
            return TypedResults.NotFound();
        }

        if (request.UserId == Guid.Empty)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["userId is required."] });
        }

        if (await OtherProviderAsync(db, request.UserId, team.ProviderId, cancellationToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["The user belongs to another provider."] });
        }

        var now = time.GetUtcNow();
        var source = nameof(MembershipSource.Manual);
        var added = await InTransactionAsync(db, async ct =>
        {
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO team_mapping.team_memberships (team_id, user_id, source, active, version, granted_at, updated_at)
                VALUES ({id}, {request.UserId}, {source}, TRUE, 0, {now}, {now}) ON CONFLICT DO NOTHING
                """, ct);
            if (inserted > 0)
            {
                refresher.TeamChanged(request.UserId, id);
                await refresher.RefreshAsync(team.ProviderId, [request.UserId], ct);
            }

            return inserted > 0;
        }, cancellationToken);

        return added
            ? TypedResults.Created($"/api/teams/{id}/members/{request.UserId}")
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "The user is already a manual member of this team.");
    }

    public static async Task<Results<NoContent, NotFound>> RemoveManualMemberAsync(
        Guid id, Guid userId, TeamMappingDbContext db, AffiliationRefresher refresher, CancellationToken cancellationToken)
    {
        var removed = await InTransactionAsync(db, async ct =>
        {
            var rows = await db.Memberships
                .Where(m => m.TeamId == id && m.UserId == userId && m.Source == MembershipSource.Manual)
                .ExecuteDeleteAsync(ct);
            if (rows > 0)
            {
                refresher.TeamChanged(userId, id);
                await refresher.RefreshAsync(null, [userId], ct);
            }

            return rows > 0;
        }, cancellationToken);
        return removed ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<RecomputationResponse>, NotFound>> GetRecomputationAsync(Guid providerId, TeamMappingDbContext db, CancellationToken cancellationToken)
    {
        var run = await db.Recomputations.AsNoTracking().SingleOrDefaultAsync(r => r.ProviderId == providerId, cancellationToken);
        return run is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new RecomputationResponse(run.ProviderId, run.Status.ToString().ToLowerInvariant(), run.MappingsVersion, run.Processed, run.Total,
                run.QueuedAt, run.UpdatedAt, run.CompletedAt, run.Error));
    }

    /// <summary>Runs <paramref name="work"/> in one transaction under the execution strategy (retried as a whole).</summary>
    internal static Task<T> InTransactionAsync<T>(TeamMappingDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var result = await work(ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);

    /// <summary>True when the user is known in a provider other than <paramref name="providerId"/> (a manual team has none).</summary>
    internal static Task<bool> OtherProviderAsync(TeamMappingDbContext db, Guid userId, Guid? providerId, CancellationToken cancellationToken) =>
        providerId is { } provider
            ? db.Users.AnyAsync(u => u.Id == userId && u.ProviderId != provider, cancellationToken)
            : Task.FromResult(false);

    internal static async Task<HashSet<Guid>> SuspendedAsync(TeamMappingDbContext db, List<Guid> users, CancellationToken cancellationToken) =>
        [.. await db.Users.AsNoTracking().Where(u => users.Contains(u.Id) && u.State == MappedUserState.Suspended).Select(u => u.Id).ToListAsync(cancellationToken)];

    private static IQueryable<TeamResponse> Project(TeamMappingDbContext db, IQueryable<Team> teams) =>
        teams.Select(t => new TeamResponse(t.Id, t.Name, t.ProviderId, t.ScimGroupId, t.ArchivedAt != null,
            db.Memberships.Where(m => m.TeamId == t.Id && m.Active).Select(m => m.UserId).Distinct().Count(), t.CreatedAt, t.UpdatedAt));
}
