using Bifrost.Identity.Infrastructure;
using Bifrost.Testing;
using Microsoft.Extensions.Hosting;

namespace Bifrost.Identity.FunctionalTests;

/// <summary>
/// Identity in-process on a real PostgreSQL database, consuming from MassTransit's in-memory test harness, with a
/// provider seeded from configuration whose token comes from an environment variable.
/// </summary>
public sealed class IdentityApiFixture() : ServiceFactory<Program, IdentityDbContext>("identitydb")
{
    public const string PublicBaseUrl = "https://bifrost.contoso.test";
    public static readonly Guid SeededProviderId = Guid.Parse("5eed0000-0000-4000-8000-000000000001");
    public static readonly string SeededToken = $"seeded-{Guid.NewGuid():N}";
    private static readonly string SeededTokenVariable = $"BIFROST_TEST_SEEDED_TOKEN_{Guid.NewGuid():N}";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Bifrost:PublicBaseUrl", PublicBaseUrl + "/"),
        new("Bifrost:Providers:Seed:0:Id", SeededProviderId.ToString()),
        new("Bifrost:Providers:Seed:0:Name", "Seeded Entra"),
        new("Bifrost:Providers:Seed:0:Kind", "entra"),
        new("Bifrost:Providers:Seed:0:ScimToken", $"env.{SeededTokenVariable}"),
    ];

    protected override IHost CreateHost(IHostBuilder builder)
    {
        Environment.SetEnvironmentVariable(SeededTokenVariable, SeededToken);
        return base.CreateHost(builder);
    }
}
