using System.Net;
using Bifrost.Contracts.Scim;
using Bifrost.Ingestion.Scim;
using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bifrost.Ingestion.Apis;

internal static class ScimUsersApi
{
    public static RouteGroupBuilder MapScimUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup($"{ScimHttpExtensions.BasePath}/{ScimUserMapping.Endpoint}").WithTags("SCIM Users");

        api.MapPost("/", CreateUserAsync).WithName("CreateScimUser").WithSummary("Create a user (RFC 7644 §3.3)");
        api.MapGet("/{id}", GetUserAsync).WithName("GetScimUser").WithSummary("Read a user by id (RFC 7644 §3.4.1)");

        return api;
    }

    public static async Task<ScimJsonResult> CreateUserAsync(HttpRequest request, ScimProvider provider, IngestionDbContext db, TimeProvider time, ILogger<ScimUser> logger, CancellationToken cancellationToken)
    {
        var body = await request.ReadScimObjectAsync(cancellationToken);
        body.Remove("id");
        body.Remove("meta");

        var now = time.GetUtcNow();
        var user = new ScimUser { Id = Guid.CreateVersion7(), ProviderId = provider.Id, Version = 1, CreatedAt = now, LastModifiedAt = now };
        user.ApplyResource(body);

        db.Users.Add(user);
        db.AddOutboxMessage(new ScimUserProvisioned
        {
            ProviderId = provider.Id,
            UserId = user.Id,
            Version = user.Version,
            OccurredAt = now,
            User = user.ToSnapshot(),
        }, time);

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ScimException(HttpStatusCode.Conflict, "A user with this userName already exists.", ScimErrorType.Uniqueness);
        }

        IngestionLog.UserCreated(logger, user.Id, provider.Id);
        var location = request.ResourceLocation(ScimUserMapping.Endpoint, user.Id);
        return new ScimJsonResult(StatusCodes.Status201Created, user.ToScim(location), location, user.ETag());
    }

    public static async Task<ScimJsonResult> GetUserAsync(string id, HttpRequest request, ScimProvider provider, IngestionDbContext db, CancellationToken cancellationToken)
    {
        var user = Guid.TryParse(id, out var userId)
            ? await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.ProviderId == provider.Id && u.Id == userId, cancellationToken)
            : null;
        if (user is null)
        {
            throw new ScimException(HttpStatusCode.NotFound, $"User {id} not found.");
        }

        var location = request.ResourceLocation(ScimUserMapping.Endpoint, user.Id);
        return new ScimJsonResult(StatusCodes.Status200OK, user.ToScim(location), etag: user.ETag());
    }
}
