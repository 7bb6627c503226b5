namespace Bifrost.Gateway.Authentication;

internal static class BifrostSchemes
{
    /// <summary>Chooses the scheme by path: SCIM tokens only on /scim, admin keys everywhere else.</summary>
    public const string ByPath = "Bifrost";
    public const string ScimToken = "ScimToken";
    public const string AdminKey = "AdminKey";

    public const string ScimPolicy = "scim";
    public const string AdminPolicy = "admin";

    public const string ProviderClaim = "bifrost:provider";
    public const string RoleClaim = "bifrost:admin-role";

    /// <summary>Headers the gateway sets for the services; any inbound copy is stripped first.</summary>
    public const string TrustedHeaderPrefix = "X-Bifrost-";
    public const string ProviderHeader = "X-Bifrost-Provider";
    public const string AdminRoleHeader = "X-Bifrost-Admin-Role";

    public static bool IsScim(PathString path) => path.StartsWithSegments("/scim");
}
