using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Reconciliation.Apis;

public sealed record StartRunRequest(Guid? ProviderId, bool DryRun);

public sealed record RunResponse(
    Guid Id,
    Guid? ProviderId,
    string Status,
    string Trigger,
    bool DryRun,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    double? DurationSeconds,
    string? Error,
    IReadOnlyList<Guid> Providers,
    RunProgress Progress,
    IReadOnlyDictionary<string, DriftCount> Drift);

public sealed record PagedResponse<T>(IReadOnlyList<T> Items, int Offset, int Limit, int Total);

internal static class RunsApi
{
    public const string AdminRoleHeader = "X-Bifrost-Admin-Role";
    private const int MaxLimit = 100;

    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/reconciliation/runs").WithTags("Reconciliation");

        api.MapPost("/", StartRunAsync).WithName("StartReconciliationRun")
            .WithSummary("Start a run for one provider or every Entra provider with Graph credentials (admin role)");
        api.MapGet("/", ListRunsAsync).WithName("ListReconciliationRuns").WithSummary("Runs, latest first");
        api.MapGet("/{id:guid}", GetRunAsync).WithName("GetReconciliationRun").WithSummary("One run: status, progress, drift report");

        return api;
    }

    public static async Task<Results<Accepted<RunResponse>, Conflict<RunResponse>, ValidationProblem, ProblemHttpResult>> StartRunAsync(
        StartRunRequest? request, HttpContext http, RunCoordinator coordinator, CancellationToken cancellationToken)
    {
        // The gateway sets the role from the admin key (and strips any inbound copy); viewers may only read.
        if (!string.Equals(http.Request.Headers[AdminRoleHeader], "admin", StringComparison.Ordinal))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Starting a run needs the admin role.");
        }

        if (request is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [""] = ["A JSON body { \"providerId\": optional, \"dryRun\": bool } is required."] });
        }

        if (request.ProviderId == Guid.Empty)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["providerId"] = ["providerId must be a provider's id, or omitted for every provider."] });
        }

        StartRunResult result;
        try
        {
            result = await coordinator.StartAsync(request.ProviderId, request.DryRun, RunTrigger.Manual, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Identity (the provider source) is unreachable; try again.");
        }

        return result switch
        {
            StartRunResult.Started started => TypedResults.Accepted($"/api/reconciliation/runs/{started.Run.Id}", started.Run.ToResponse()),
            StartRunResult.AlreadyRunning running => TypedResults.Conflict(running.Run.ToResponse()),
            StartRunResult.UnknownProvider unknown => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["providerId"] = [$"Provider {unknown.ProviderId} does not exist, is not an Entra provider, or has no Graph credentials."],
            }),
            _ => throw new InvalidOperationException(),
        };
    }

    public static async Task<Results<Ok<PagedResponse<RunResponse>>, ValidationProblem>> ListRunsAsync(
        int? offset, int? limit, ReconciliationDbContext db, CancellationToken cancellationToken)
    {
        var skip = offset ?? 0;
        var take = limit ?? 20;
        if (skip < 0 || take < 1 || take > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["paging"] = [$"offset must be 0 or more and limit between 1 and {MaxLimit}."],
            });
        }

        var total = await db.Runs.CountAsync(cancellationToken);
        var runs = await db.Runs.AsNoTracking().OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResponse<RunResponse>([.. runs.Select(r => r.ToResponse())], skip, take, total));
    }

    public static async Task<Results<Ok<RunResponse>, NotFound>> GetRunAsync(Guid id, ReconciliationDbContext db, CancellationToken cancellationToken) =>
        await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken) is { } run
            ? TypedResults.Ok(run.ToResponse())
            : TypedResults.NotFound();

    public static RunResponse ToResponse(this ReconciliationRun run) => new(
        run.Id,
        run.ProviderId,
        ReconciliationMetrics.Lower(run.Status),
        ReconciliationMetrics.Lower(run.Trigger),
        run.DryRun,
        run.StartedAt,
        run.CompletedAt,
        run.CompletedAt is { } done ? Math.Round((done - run.StartedAt).TotalSeconds, 3) : null,
        run.Error,
        run.Report.Providers,
        run.Report.Progress,
        run.Report.Drift);
}
