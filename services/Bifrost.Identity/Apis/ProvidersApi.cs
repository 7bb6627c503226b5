using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bifrost.Identity.Apis;

public sealed record ProviderRequest(string? Name, string? Kind, ProviderSettingsRequest? Settings, ProviderMappingsRequest? Mappings);

public sealed record ProviderSettingsRequest(string? TenantId, string? ClientId, string? ClientSecret, string? Cloud, string? IssuerUrl);

public sealed record ProviderMappingsRequest(
    IReadOnlyList<string?>? ScimAttributes,
    string? RoleResolutionStrategy,
    IReadOnlyList<MappingRuleRequest?>? RoleRules,
    IReadOnlyList<MappingRuleRequest?>? TeamRules,
    IReadOnlyList<MappingRuleRequest?>? BusinessUnitRules);

public sealed record MappingRuleRequest(string? Attribute, string? Value, string? Role = null, string? Team = null, string? BusinessUnit = null);

/// <summary>A provider as the admin API shows it: never the client secret, never the SCIM token or its hash.</summary>
public sealed record ProviderResponse(
    Guid Id,
    string Name,
    string Kind,
    ProviderSettingsResponse Settings,
    ProviderMappingsResponse Mappings,
    ScimStatusResponse Scim,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record ProviderSettingsResponse(string? TenantId, string? ClientId, bool ClientSecretConfigured, string? Cloud, string? IssuerUrl);

public sealed record ProviderMappingsResponse(
    IReadOnlyList<string> ScimAttributes,
    string RoleResolutionStrategy,
    IReadOnlyList<RoleRule> RoleRules,
    IReadOnlyList<TeamRule> TeamRules,
    IReadOnlyList<BusinessUnitRule> BusinessUnitRules);

/// <summary>Progress of a provider's role recomputation: status queued, running, completed or failed.</summary>
public sealed record RecomputationResponse(
    Guid ProviderId, long MappingsVersion, string Status, int Processed, int Total, DateTimeOffset QueuedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt, string? Error);

public sealed record ScimStatusResponse(bool Enabled, DateTimeOffset? TokenCreatedAt);

/// <summary>The only response that carries a token: shown once, at enable and at each rotation.</summary>
public sealed record ScimTokenResponse(string EndpointUrl, string Token, DateTimeOffset TokenCreatedAt);

public sealed class PublicEndpointOptions
{
    /// <summary>The gateway's public base URL (<c>Bifrost:PublicBaseUrl</c>), e.g. <c>https://bifrost.contoso.com</c>.</summary>
    public string? PublicBaseUrl { get; set; }
}

internal static class ProvidersApi
{
    public static RouteGroupBuilder MapProvidersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/providers").WithTags("Providers");

        api.MapGet("/", ListProvidersAsync).WithName("ListProviders").WithSummary("Configured identity providers");
        api.MapPost("/", CreateProviderAsync).WithName("CreateProvider").WithSummary("Add an identity provider (entra, okta, generic)");
        api.MapGet("/{id:guid}", GetProviderAsync).WithName("GetProvider").WithSummary("One provider");
        api.MapPut("/{id:guid}", UpdateProviderAsync).WithName("UpdateProvider").WithSummary("Replace a provider's name, settings and mappings");
        api.MapDelete("/{id:guid}", DeleteProviderAsync).WithName("DeleteProvider").WithSummary("Delete a provider; its SCIM token is revoked");
        api.MapGet("/{id:guid}/recomputation", GetRecomputationAsync).WithName("GetRoleRecomputation")
            .WithSummary("The latest background re-evaluation of the provider's roles after a rule change, with its progress");
        api.MapPost("/{id:guid}/scim/enable", EnableScimAsync).WithName("EnableScim").WithSummary("Issue the provider's SCIM token (shown once)");
        api.MapPost("/{id:guid}/scim/rotate-token", RotateTokenAsync).WithName("RotateScimToken").WithSummary("Replace the SCIM token; the old one stops working at once");
        api.MapPost("/{id:guid}/scim/disable", DisableScimAsync).WithName("DisableScim").WithSummary("Revoke the SCIM token");

        return api;
    }

    public static async Task<Ok<List<ProviderResponse>>> ListProvidersAsync(IdentityDbContext db, CancellationToken cancellationToken)
    {
        var rows = await (from p in db.Providers.AsNoTracking()
                          join t in db.ProvisioningTokens.AsNoTracking() on p.Id equals t.ProviderId into tokens
                          from t in tokens.DefaultIfEmpty()
                          orderby p.Name
                          select new { Provider = p, Token = t })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => r.Provider.ToResponse(r.Token)).ToList());
    }

    public static async Task<Results<Ok<ProviderResponse>, NotFound>> GetProviderAsync(Guid id, IdentityDbContext db, CancellationToken cancellationToken)
    {
        var provider = await db.Providers.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (provider is null)
        {
            return TypedResults.NotFound();
        }

        var token = await db.ProvisioningTokens.AsNoTracking().SingleOrDefaultAsync(t => t.ProviderId == id, cancellationToken);
        return TypedResults.Ok(provider.ToResponse(token));
    }

    public static async Task<Results<Created<ProviderResponse>, ValidationProblem, ProblemHttpResult>> CreateProviderAsync(
        ProviderRequest request, IdentityDbContext db, TimeProvider time, ILogger<IdentityProvider> logger, CancellationToken cancellationToken)
    {
        var errors = ProviderValidation.Validate(request, existing: null, out var valid);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (await NameTakenAsync(db, valid.Name, Guid.Empty, cancellationToken))
        {
            return NameTaken();
        }

        var now = time.GetUtcNow();
        var provider = new IdentityProvider
        {
            Id = Guid.CreateVersion7(),
            Name = valid.Name,
            Kind = valid.Kind,
            Settings = valid.Settings,
            Mappings = valid.Mappings,
            MappingsVersion = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Providers.Add(provider);
        db.AddMappingsChanged(provider, time);
        if (!await TrySaveAsync(db, cancellationToken))
        {
            return NameTaken();
        }

        IdentityLog.ProviderCreated(logger, provider.Id, ProviderValidation.KindName(provider.Kind));
        return TypedResults.Created($"/api/providers/{provider.Id}", provider.ToResponse(token: null));
    }

    public static async Task<Results<Ok<ProviderResponse>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateProviderAsync(
        Guid id, ProviderRequest request, IdentityDbContext db, TimeProvider time, RoleRecomputationSignal signal, ILogger<IdentityProvider> logger,
        CancellationToken cancellationToken)
    {
        var provider = await db.Providers.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (provider is null)
        {
            return TypedResults.NotFound();
        }

        var errors = ProviderValidation.Validate(request, provider, out var valid);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (await NameTakenAsync(db, valid.Name, id, cancellationToken))
        {
            return NameTaken();
        }

        provider.Name = valid.Name;
        provider.Kind = valid.Kind;
        provider.Settings = valid.Settings;
        var change = MappingsChange.Between(provider.Mappings, valid.Mappings);
        provider.Mappings = valid.Mappings;
        provider.UpdatedAt = time.GetUtcNow();
        if (change.Any)
        {
            provider.MappingsVersion++;
        }

        if (change.Affiliations)
        {
            db.AddMappingsChanged(provider, time);
        }

        if (change.Roles)
        {
            await QueueRecomputationAsync(db, provider, time, cancellationToken);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Conflict("Concurrent change", "The provider changed meanwhile; read it again and retry.");
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return NameTaken();
        }

        IdentityLog.ProviderUpdated(logger, provider.Id);
        if (change.Roles)
        {
            IdentityLog.RecomputationQueued(logger, provider.Id, provider.MappingsVersion);
            signal.Notify();
        }

        var token = await db.ProvisioningTokens.AsNoTracking().SingleOrDefaultAsync(t => t.ProviderId == id, cancellationToken);
        return TypedResults.Ok(provider.ToResponse(token));
    }

    public static async Task<Results<Ok<RecomputationResponse>, NotFound>> GetRecomputationAsync(Guid id, IdentityDbContext db, CancellationToken cancellationToken)
    {
        var job = await db.RoleRecomputations.AsNoTracking().SingleOrDefaultAsync(r => r.ProviderId == id, cancellationToken);
        if (job is null || !await db.Providers.AnyAsync(p => p.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(new RecomputationResponse(
            job.ProviderId, job.MappingsVersion, job.Status.ToString().ToLowerInvariant(), job.Processed, job.Total, job.QueuedAt, job.StartedAt, job.CompletedAt, job.Error));
    }

    /// <summary>Makes the provider's recomputation row (the latest) a queued run for the provider's new mappings version.</summary>
    private static async Task QueueRecomputationAsync(IdentityDbContext db, IdentityProvider provider, TimeProvider time, CancellationToken cancellationToken)
    {
        var job = await db.RoleRecomputations.SingleOrDefaultAsync(r => r.ProviderId == provider.Id, cancellationToken);
        if (job is null)
        {
            job = new RoleRecomputation { ProviderId = provider.Id };
            db.RoleRecomputations.Add(job);
        }

        job.MappingsVersion = provider.MappingsVersion;
        job.Status = RecomputationStatus.Queued;
        job.Processed = 0;
        job.Total = 0;
        job.Cursor = null;
        job.QueuedAt = time.GetUtcNow();
        job.StartedAt = null;
        job.CompletedAt = null;
        job.Error = null;
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteProviderAsync(
        Guid id, IdentityDbContext db, ProvisioningTokens tokens, TimeProvider time, ILogger<IdentityProvider> logger, CancellationToken cancellationToken)
    {
        var provider = await db.Providers.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (provider is null)
        {
            return TypedResults.NotFound();
        }

        var token = await tokens.FindAsync(id, cancellationToken);
        tokens.Revoke(token, providerDeleted: true);
        if (token is not null)
        {
            token.ProviderDeleted = true;
        }

        provider.MappingsVersion++;
        db.AddMappingsChanged(provider, time, providerDeleted: true);
        db.Providers.Remove(provider);
        if (!await TrySaveAsync(db, cancellationToken))
        {
            return ConcurrentChange();
        }

        IdentityLog.ProviderDeleted(logger, id, token?.Version ?? 0);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<ScimTokenResponse>, NotFound, ProblemHttpResult>> EnableScimAsync(
        Guid id, IdentityDbContext db, ProvisioningTokens tokens, IOptions<PublicEndpointOptions> endpoint, HttpRequest http,
        ILogger<IdentityProvider> logger, CancellationToken cancellationToken)
    {
        if (!await db.Providers.AnyAsync(p => p.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var current = await tokens.FindAsync(id, cancellationToken);
        if (current is { IsActive: true })
        {
            return Conflict("SCIM already enabled", "SCIM provisioning is already enabled for this provider; rotate the token to get a new one.");
        }

        return await IssueAsync(db, tokens, current, id, endpoint.Value, http, logger, rotated: false, cancellationToken);
    }

    public static async Task<Results<Ok<ScimTokenResponse>, NotFound, ProblemHttpResult>> RotateTokenAsync(
        Guid id, IdentityDbContext db, ProvisioningTokens tokens, IOptions<PublicEndpointOptions> endpoint, HttpRequest http,
        ILogger<IdentityProvider> logger, CancellationToken cancellationToken)
    {
        if (!await db.Providers.AnyAsync(p => p.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var current = await tokens.FindAsync(id, cancellationToken);
        if (current is not { IsActive: true })
        {
            return Conflict("SCIM not enabled", "SCIM provisioning is not enabled for this provider: enable it first.");
        }

        return await IssueAsync(db, tokens, current, id, endpoint.Value, http, logger, rotated: true, cancellationToken);
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DisableScimAsync(
        Guid id, IdentityDbContext db, ProvisioningTokens tokens, ILogger<IdentityProvider> logger, CancellationToken cancellationToken)
    {
        if (!await db.Providers.AnyAsync(p => p.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var current = await tokens.FindAsync(id, cancellationToken);
        if (!tokens.Revoke(current, providerDeleted: false))
        {
            return TypedResults.NoContent(); // already disabled: nothing to revoke
        }

        if (!await TrySaveAsync(db, cancellationToken))
        {
            return ConcurrentChange();
        }

        IdentityLog.ScimDisabled(logger, id, current!.Version);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ScimTokenResponse>, NotFound, ProblemHttpResult>> IssueAsync(
        IdentityDbContext db, ProvisioningTokens tokens, ProvisioningToken? current, Guid id, PublicEndpointOptions endpoint, HttpRequest http,
        ILogger logger, bool rotated, CancellationToken cancellationToken)
    {
        var secret = ProvisioningTokens.NewToken();
        var token = tokens.Issue(id, current, ProvisioningTokens.Hash(secret), ProvisioningTokenSource.Generated);
        if (!await TrySaveAsync(db, cancellationToken))
        {
            return ConcurrentChange();
        }

        if (rotated)
        {
            IdentityLog.TokenRotated(logger, id, token.Version);
        }
        else
        {
            IdentityLog.ScimEnabled(logger, id, token.Version);
        }

        return TypedResults.Ok(new ScimTokenResponse(ScimEndpointUrl(endpoint, http), secret, token.CreatedAt!.Value));
    }

    /// <summary>
    /// The configured public base URL + <c>/scim/v2</c>. Without configuration, the host the gateway forwarded
    /// (<c>X-Forwarded-Proto/Host</c>, which only the gateway can set: identity has no external endpoint).
    /// </summary>
    internal static string ScimEndpointUrl(PublicEndpointOptions options, HttpRequest http)
    {
        var baseUrl = options.PublicBaseUrl;
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            var scheme = http.Headers["X-Forwarded-Proto"].FirstOrDefault() ?? http.Scheme;
            var host = http.Headers["X-Forwarded-Host"].FirstOrDefault() ?? http.Host.Value;
            baseUrl = $"{scheme}://{host}";
        }

        return baseUrl.TrimEnd('/') + "/scim/v2";
    }

    /// <summary>
    /// Saves; false on a unique violation (a name taken by a concurrent request, a concurrent enable) or a concurrent
    /// token change (xmin). The common cases are checked before, so this is the race's fallback.
    /// </summary>
    private static async Task<bool> TrySaveAsync(IdentityDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false;
        }
    }

    private static ProblemHttpResult NameTaken() => Conflict("Name taken", "Another provider already has this name.");

    private static ProblemHttpResult ConcurrentChange() =>
        Conflict("Concurrent change", "The provider's SCIM token changed meanwhile; read it again and retry.");

    private static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title);

    private static Task<bool> NameTakenAsync(IdentityDbContext db, string name, Guid id, CancellationToken cancellationToken) =>
        db.Providers.AnyAsync(p => p.Name == name && p.Id != id, cancellationToken);

    internal static ProviderResponse ToResponse(this IdentityProvider p, ProvisioningToken? token) => new(
        p.Id,
        p.Name,
        ProviderValidation.KindName(p.Kind),
        new ProviderSettingsResponse(
            p.Settings.TenantId,
            p.Settings.ClientId,
            !string.IsNullOrEmpty(p.Settings.ClientSecret),
            p.Settings.Cloud is { } cloud ? ProviderValidation.CloudName(cloud) : null,
            p.Settings.IssuerUrl),
        new ProviderMappingsResponse(
            p.Mappings.ScimAttributes,
            ProviderValidation.StrategyName(p.Mappings.RoleResolutionStrategy),
            p.Mappings.RoleRules,
            p.Mappings.TeamRules,
            p.Mappings.BusinessUnitRules),
        new ScimStatusResponse(token is { IsActive: true }, token is { IsActive: true } ? token.CreatedAt : null),
        p.CreatedAt,
        p.UpdatedAt);
}
