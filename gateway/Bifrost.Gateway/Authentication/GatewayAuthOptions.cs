namespace Bifrost.Gateway.Authentication;

/// <summary>
/// Credentials from configuration (section <c>Bifrost:Gateway</c>). Secrets are <c>sha256:&lt;hex&gt;</c> or
/// <c>env.NAME</c>; a literal value is accepted in Development only. Nothing here is ever logged.
/// </summary>
public sealed class GatewayAuthOptions
{
    public List<ConfiguredProvider> Providers { get; set; } = [];
    public List<ConfiguredAdminKey> AdminKeys { get; set; } = [];

    public sealed class ConfiguredProvider
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public string? Token { get; set; }
    }

    public sealed class ConfiguredAdminKey
    {
        public string Name { get; set; } = "";
        public AdminRole Role { get; set; } = AdminRole.Viewer;
        public string? Key { get; set; }
    }
}
