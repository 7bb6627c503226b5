using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bifrost.Identity.Services;

/// <summary>Providers declared in configuration (section <c>Bifrost:Providers</c>), e.g. the Development provider.</summary>
public sealed class ProviderSeedOptions
{
    public List<SeededProvider> Seed { get; set; } = [];

    public sealed class SeededProvider
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public string Kind { get; set; } = "entra";

        /// <summary><c>env.NAME</c> (the variable holds the token), <c>sha256:&lt;hex&gt;</c>, or a literal in Development only.</summary>
        public string? ScimToken { get; set; }

        /// <summary>Optional Graph credentials (Entra): tenant id, client id, client secret (<c>env.NAME</c> or a value).</summary>
        public string? TenantId { get; set; }
        public string? ClientId { get; set; }
        public string? ClientSecret { get; set; }
    }
}

/// <summary>
/// Creates the configured providers at start, idempotently (fixed ids), with their SCIM token. A seeded token follows
/// configuration on restart until an admin rotates or disables it: from then on the admin's choice wins.
/// </summary>
internal sealed class ProviderSeeder(
    IServiceScopeFactory scopeFactory, IOptions<ProviderSeedOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<ProviderSeeder> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var seeds = options.Value.Seed;
        for (var i = 0; i < seeds.Count; i++)
        {
            var seed = seeds[i];
            if (seed.Id == Guid.Empty || string.IsNullOrWhiteSpace(seed.Name) || !ProviderValidation.TryParseKind(seed.Kind, out var kind))
            {
                IdentityLog.SeededProviderInvalid(logger, i);
                continue;
            }

            await using var scope = scopeFactory.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
            var tokens = scope.ServiceProvider.GetRequiredService<ProvisioningTokens>();
            try
            {
                await SeedAsync(db, tokens, seed, kind, cancellationToken);
            }
            catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // Another replica seeded it at the same moment: its result stands.
            }
        }
    }

    private async Task SeedAsync(IdentityDbContext db, ProvisioningTokens tokens, ProviderSeedOptions.SeededProvider seed, ProviderKind kind, CancellationToken cancellationToken)
    {
        var settings = new ProviderSettings { TenantId = seed.TenantId, ClientId = seed.ClientId, ClientSecret = seed.ClientSecret };
        var existing = await db.Providers.FirstOrDefaultAsync(p => p.Id == seed.Id, cancellationToken);
        if (existing is null)
        {
            var now = time.GetUtcNow();
            var provider = new IdentityProvider { Id = seed.Id, Name = seed.Name.Trim(), Kind = kind, Settings = settings, MappingsVersion = 1, CreatedAt = now, UpdatedAt = now };
            db.Providers.Add(provider);
            db.AddMappingsChanged(provider, time);
        }
        else
        {
            if (seed.TenantId is not null && existing.Settings.TenantId is null)
            {
                existing.Settings = settings; // Graph credentials added to the seed later; an admin's own settings are kept
            }

            if (existing.MappingsVersion == 0)
            {
                // Seeded before mappings were published: announce them once.
                existing.MappingsVersion = 1;
                db.AddMappingsChanged(existing, time);
            }
        }

        var hash = TokenHash(seed.ScimToken);
        if (hash is null)
        {
            if (seed.ScimToken is not null)
            {
                IdentityLog.SeededTokenMissing(logger, seed.Id);
            }

            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        var current = await tokens.FindAsync(seed.Id, cancellationToken);
        var follows = current is null
            || (current is { Source: ProvisioningTokenSource.Configured, IsActive: true } && !CryptographicOperations.FixedTimeEquals(current.TokenSha256, hash));
        if (follows)
        {
            var token = tokens.Issue(seed.Id, current, hash, ProvisioningTokenSource.Configured);
            await db.SaveChangesAsync(cancellationToken);
            IdentityLog.ProviderSeeded(logger, seed.Id, token.Version);
            return;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private byte[]? TokenHash(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (value.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var hash = Convert.FromHexString(value["sha256:".Length..]);
                return hash.Length == 32 ? hash : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        if (value.StartsWith("env.", StringComparison.Ordinal))
        {
            var secret = Environment.GetEnvironmentVariable(value["env.".Length..]);
            return string.IsNullOrEmpty(secret) ? null : ProvisioningTokens.Hash(secret);
        }

        return environment.IsDevelopment() ? ProvisioningTokens.Hash(value) : null;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
