using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.Apis;

/// <summary>One stored user: its id, whether it is active, and its normalised resource (no meta, no groups).</summary>
public sealed record ExportedUser(Guid Id, bool Active, JsonObject Resource);

public sealed record ExportedGroup(Guid Id, string DisplayName, string? ExternalId);

public sealed record ExportedMember(Guid Id, string Type);

/// <summary>A page of an export; <paramref name="Next"/> is the cursor of the next page (absent on the last).</summary>
public sealed record ExportPage<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Service-to-service export of one provider's state, for reconciliation: keyset pages over the unique indexes
/// (userName key, group displayName key, member id), so reading 100,000 users costs the same per page throughout.
/// Not routed by the gateway (which forwards only <c>/scim/v2</c> and <c>/api/…</c>); ingestion has no external endpoint.
/// </summary>
internal static class InternalExportApi
{
    private const int DefaultLimit = 1000;
    private const int MaxLimit = 5000;

    public static RouteGroupBuilder MapInternalExportApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/internal/export/providers/{providerId:guid}").WithTags("Internal").ExcludeFromDescription();

        api.MapGet("/users", ExportUsersAsync).WithName("ExportUsers").WithSummary("A provider's users in userName order, one page");
        api.MapGet("/groups", ExportGroupsAsync).WithName("ExportGroups").WithSummary("A provider's groups (without members) in displayName order, one page");
        api.MapGet("/groups/{groupId:guid}/members", ExportMembersAsync).WithName("ExportGroupMembers").WithSummary("A group's members in id order, one page");

        return api;
    }

    public static async Task<Ok<ExportPage<ExportedUser>>> ExportUsersAsync(
        Guid providerId, string? after, int? limit, IngestionDbContext db, CancellationToken cancellationToken)
    {
        var take = Limit(limit);
        var query = db.Users.AsNoTracking().Where(u => u.ProviderId == providerId);
        if (!string.IsNullOrEmpty(after))
        {
            query = query.Where(u => string.Compare(u.UserNameKey, after) > 0);
        }

        var rows = await query.OrderBy(u => u.UserNameKey).Take(take)
            .Select(u => new { u.Id, u.Active, u.Resource, u.UserNameKey })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ExportPage<ExportedUser>(
            rows.Select(r => new ExportedUser(r.Id, r.Active, r.Resource)).ToList(),
            rows.Count == take ? rows[^1].UserNameKey : null));
    }

    public static async Task<Ok<ExportPage<ExportedGroup>>> ExportGroupsAsync(
        Guid providerId, string? after, int? limit, IngestionDbContext db, CancellationToken cancellationToken)
    {
        var take = Limit(limit);
        var query = db.Groups.AsNoTracking().Where(g => g.ProviderId == providerId);
        if (!string.IsNullOrEmpty(after))
        {
            query = query.Where(g => string.Compare(g.DisplayNameKey, after) > 0);
        }

        var rows = await query.OrderBy(g => g.DisplayNameKey).Take(take)
            .Select(g => new { g.Id, g.DisplayName, g.ExternalId, g.DisplayNameKey })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ExportPage<ExportedGroup>(
            rows.Select(r => new ExportedGroup(r.Id, r.DisplayName, r.ExternalId)).ToList(),
            rows.Count == take ? rows[^1].DisplayNameKey : null));
    }

    public static async Task<Results<Ok<ExportPage<ExportedMember>>, NotFound>> ExportMembersAsync(
        Guid providerId, Guid groupId, Guid? after, int? limit, IngestionDbContext db, CancellationToken cancellationToken)
    {
        var take = Limit(limit);
        var group = db.Groups.AsNoTracking().Where(g => g.Id == groupId && g.ProviderId == providerId);
        var query = db.GroupMembers.AsNoTracking().Where(m => m.GroupId == groupId && group.Any());
        if (after is { } cursor)
        {
            query = query.Where(m => m.MemberId.CompareTo(cursor) > 0);
        }

        var rows = await query.OrderBy(m => m.MemberId).Take(take)
            .Select(m => new ExportedMember(m.MemberId, m.MemberType))
            .ToListAsync(cancellationToken);

        // One round trip for a page; the group's existence is only asked apart when the page is empty.
        if (rows.Count == 0 && !await group.AnyAsync(cancellationToken))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(new ExportPage<ExportedMember>(rows, rows.Count == take ? rows[^1].Id.ToString() : null));
    }

    private static int Limit(int? limit) => Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);
}
