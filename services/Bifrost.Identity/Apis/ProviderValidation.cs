using System.Text.RegularExpressions;

namespace Bifrost.Identity.Apis;

/// <summary>
/// Checks a provider request and turns it into the stored model. Errors are keyed by the JSON path of the offending
/// field (<c>settings.tenantId</c>, <c>mappings.roleRules[2].role</c>) for a 400 ValidationProblem.
/// </summary>
internal static partial class ProviderValidation
{
    public const int MaxRules = 200;
    private const string EnterpriseUrn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    public static readonly string[] Roles = ["admin", "developer", "viewer"];

    /// <summary>SCIM attribute names a rule may use without declaring them (exact case), besides <c>groups</c>.</summary>
    private static readonly HashSet<string> KnownAttributes = new(StringComparer.Ordinal)
    {
        "userName", "externalId", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
        "locale", "timezone", "active", "emails", "name.formatted", "name.familyName", "name.givenName",
        "name.middleName", "name.honorificPrefix", "name.honorificSuffix", "groups",
        $"{EnterpriseUrn}:employeeNumber", $"{EnterpriseUrn}:costCenter", $"{EnterpriseUrn}:organization",
        $"{EnterpriseUrn}:division", $"{EnterpriseUrn}:department", $"{EnterpriseUrn}:manager",
    };

    public static bool TryParseKind(string? value, out ProviderKind kind)
    {
        kind = default;
        switch (value?.Trim().ToLowerInvariant())
        {
            case "entra": kind = ProviderKind.Entra; return true;
            case "okta": kind = ProviderKind.Okta; return true;
            case "generic": kind = ProviderKind.Generic; return true;
            default: return false;
        }
    }

    public static string KindName(ProviderKind kind) => kind.ToString().ToLowerInvariant();

    public static string CloudName(EntraCloud cloud) => cloud switch
    {
        EntraCloud.GccHigh => "gcc-high",
        EntraCloud.Dod => "dod",
        _ => "commercial",
    };

    public static string StrategyName(RoleResolutionStrategy strategy) =>
        strategy == RoleResolutionStrategy.FirstMatch ? "firstMatch" : "mostPermissions";

    /// <summary>
    /// Validates <paramref name="request"/>. On an update, <paramref name="existing"/> supplies the client secret when the
    /// request leaves it out (reads never return it, so a read-modify-write must not erase it); <c>""</c> clears it.
    /// </summary>
    public static Dictionary<string, string[]> Validate(ProviderRequest request, IdentityProvider? existing, out ValidProvider result)
    {
        var errors = new Errors();
        result = new ValidProvider("", default, new ProviderSettings(), new ProviderMappings());

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "name is required.");
        }
        else if (name.Length > 200)
        {
            errors.Add("name", "name must be at most 200 characters.");
        }

        ProviderKind kind = default;
        if (request.Kind is null)
        {
            errors.Add("kind", "kind is required: entra, okta or generic.");
        }
        else if (!TryParseKind(request.Kind, out kind))
        {
            errors.Add("kind", "kind must be one of entra, okta, generic.");
        }

        if (errors.Count > 0)
        {
            return errors.ToDictionary();
        }

        var keepSecret = existing is not null && existing.Kind == kind ? existing.Settings.ClientSecret : null;
        var settings = ValidateSettings(kind, request.Settings, keepSecret, errors);
        var mappings = ValidateMappings(request.Mappings, errors);
        result = new ValidProvider(name!, kind, settings, mappings);
        return errors.ToDictionary();
    }

    private static ProviderSettings ValidateSettings(ProviderKind kind, ProviderSettingsRequest? request, string? keepSecret, Errors errors)
    {
        if (request is null)
        {
            return new ProviderSettings { ClientSecret = keepSecret };
        }

        var secret = request.ClientSecret switch
        {
            null => keepSecret,
            "" => null,
            var value => value,
        };
        if (request.ClientSecret is { Length: > 0 } given)
        {
            if (given.Length > 1024)
            {
                errors.Add("settings.clientSecret", "clientSecret must be at most 1024 characters.");
            }
            else if (given.StartsWith("env.", StringComparison.Ordinal) && !EnvironmentName().IsMatch(given["env.".Length..]))
            {
                errors.Add("settings.clientSecret", "clientSecret 'env.NAME' needs a valid environment variable name (letters, digits, underscores).");
            }
        }

        var clientId = Trimmed(request.ClientId);
        if (clientId is null)
        {
            errors.Add("settings.clientId", "clientId is required.");
        }
        else if (clientId.Length > 256)
        {
            errors.Add("settings.clientId", "clientId must be at most 256 characters.");
        }

        if (kind == ProviderKind.Entra)
        {
            var tenantId = Trimmed(request.TenantId);
            if (tenantId is null)
            {
                errors.Add("settings.tenantId", "tenantId is required for entra providers: the directory (tenant) id, a verified domain or 'common'.");
            }
            else if (!Guid.TryParse(tenantId, out _) && !TenantDomain().IsMatch(tenantId))
            {
                errors.Add("settings.tenantId", "tenantId must be a directory (tenant) id (a GUID), a verified domain or 'common'.");
            }

            if (clientId is not null && !Guid.TryParse(clientId, out _))
            {
                errors.Add("settings.clientId", "clientId must be the application (client) id, a GUID, for entra providers.");
            }

            EntraCloud cloud = EntraCloud.Commercial;
            switch (request.Cloud?.Trim().ToLowerInvariant())
            {
                case null or "commercial": break;
                case "gcc-high": cloud = EntraCloud.GccHigh; break;
                case "dod": cloud = EntraCloud.Dod; break;
                default: errors.Add("settings.cloud", "cloud must be one of commercial, gcc-high, dod."); break;
            }

            if (request.IssuerUrl is not null)
            {
                errors.Add("settings.issuerUrl", "issuerUrl does not apply to entra providers (use tenantId and cloud).");
            }

            return new ProviderSettings { TenantId = tenantId, ClientId = clientId, ClientSecret = secret, Cloud = cloud };
        }

        var issuer = Trimmed(request.IssuerUrl);
        if (issuer is null)
        {
            errors.Add("settings.issuerUrl", $"issuerUrl is required for {KindName(kind)} providers.");
        }
        else if (issuer.Length > 2048 || !Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add("settings.issuerUrl", "issuerUrl must be an absolute https URL without query or fragment.");
        }

        if (request.TenantId is not null)
        {
            errors.Add("settings.tenantId", $"tenantId applies to entra providers only, not {KindName(kind)}.");
        }

        if (request.Cloud is not null)
        {
            errors.Add("settings.cloud", $"cloud applies to entra providers only, not {KindName(kind)}.");
        }

        return new ProviderSettings { ClientId = clientId, ClientSecret = secret, IssuerUrl = issuer?.TrimEnd('/') };
    }

    private static ProviderMappings ValidateMappings(ProviderMappingsRequest? request, Errors errors)
    {
        if (request is null)
        {
            return new ProviderMappings();
        }

        var declared = new List<string>();
        var scimAttributes = request.ScimAttributes ?? [];
        for (var i = 0; i < scimAttributes.Count; i++)
        {
            var attribute = scimAttributes[i];
            var key = $"mappings.scimAttributes[{i}]";
            if (string.IsNullOrEmpty(attribute) || attribute.Any(char.IsWhiteSpace))
            {
                errors.Add(key, "a SCIM attribute is a non-empty exact-case name without spaces.");
            }
            else if (attribute.Length > 512)
            {
                errors.Add(key, "a SCIM attribute name is at most 512 characters.");
            }
            else if (declared.Contains(attribute, StringComparer.Ordinal))
            {
                errors.Add(key, $"'{attribute}' is declared twice.");
            }
            else
            {
                declared.Add(attribute);
            }
        }

        var strategy = RoleResolutionStrategy.MostPermissions;
        switch (request.RoleResolutionStrategy)
        {
            case null or "mostPermissions": break;
            case "firstMatch": strategy = RoleResolutionStrategy.FirstMatch; break;
            default: errors.Add("mappings.roleResolutionStrategy", "roleResolutionStrategy must be mostPermissions or firstMatch."); break;
        }

        var known = new HashSet<string>(KnownAttributes.Concat(declared), StringComparer.Ordinal);
        var roleRules = ValidateRules(request.RoleRules, "roleRules", known, errors, (rule, key) =>
        {
            var role = rule.Role?.Trim().ToLowerInvariant();
            if (role is null || !Roles.Contains(role))
            {
                errors.Add($"{key}.role", "role must be one of admin, developer, viewer.");
            }

            if (rule.Value?.Contains("${*}", StringComparison.Ordinal) == true)
            {
                errors.Add($"{key}.value", "${*} extracts a team or business-unit name; a role rule matches a value or '*'.");
            }

            return new RoleRule(rule.Attribute!, rule.Value!, role ?? "");
        });
        var teamRules = ValidateRules(request.TeamRules, "teamRules", known, errors, (rule, key) =>
            new TeamRule(rule.Attribute!, rule.Value!, Target(rule.Team, rule.Value, $"{key}.team", "team", errors)));
        var businessUnitRules = ValidateRules(request.BusinessUnitRules, "businessUnitRules", known, errors, (rule, key) =>
            new BusinessUnitRule(rule.Attribute!, rule.Value!, Target(rule.BusinessUnit, rule.Value, $"{key}.businessUnit", "businessUnit", errors)));

        return new ProviderMappings
        {
            ScimAttributes = declared,
            RoleResolutionStrategy = strategy,
            RoleRules = roleRules,
            TeamRules = teamRules,
            BusinessUnitRules = businessUnitRules,
        };
    }

    private static List<T> ValidateRules<T>(IReadOnlyList<MappingRuleRequest?>? rules, string list, HashSet<string> known, Errors errors, Func<MappingRuleRequest, string, T> build)
    {
        var result = new List<T>();
        if (rules is null)
        {
            return result;
        }

        if (rules.Count > MaxRules)
        {
            errors.Add($"mappings.{list}", $"at most {MaxRules} rules.");
            return result;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var key = $"mappings.{list}[{i}]";
            if (rules[i] is not { } rule)
            {
                errors.Add(key, "a rule is an object {attribute, value, …}.");
                continue;
            }

            if (string.IsNullOrEmpty(rule.Attribute))
            {
                errors.Add($"{key}.attribute", "attribute is required.");
            }
            else if (!known.Contains(rule.Attribute))
            {
                errors.Add($"{key}.attribute", $"'{rule.Attribute}' is not a known SCIM attribute. Names are case-sensitive; declare custom attributes in mappings.scimAttributes.");
            }

            if (string.IsNullOrEmpty(rule.Value))
            {
                errors.Add($"{key}.value", "value is required ('*' matches any value).");
            }
            else if (rule.Value.Length > 512)
            {
                errors.Add($"{key}.value", "value must be at most 512 characters.");
            }
            else if (CountOf(rule.Value, "${*}") > 1)
            {
                errors.Add($"{key}.value", "value may contain ${*} once.");
            }

            result.Add(build(rule, key));
        }

        return result;
    }

    /// <summary>A literal value names its target; a wildcard value (<c>*</c>, <c>${*}</c>) is the target's name itself.</summary>
    private static string? Target(string? target, string? value, string key, string field, Errors errors)
    {
        var wildcard = value == "*" || value?.Contains("${*}", StringComparison.Ordinal) == true;
        var name = Trimmed(target);
        if (wildcard && name is not null)
        {
            errors.Add(key, $"{field} must be empty when value is a wildcard: the matched value names it.");
        }
        else if (!wildcard && name is null)
        {
            errors.Add(key, $"{field} is required when value is not a wildcard.");
        }
        else if (name?.Length > 200)
        {
            errors.Add(key, $"{field} must be at most 200 characters.");
        }

        return name;
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int CountOf(string value, string part)
    {
        var count = 0;
        for (var at = value.IndexOf(part, StringComparison.Ordinal); at >= 0; at = value.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex(@"^(common|organizations|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$")]
    private static partial Regex TenantDomain();

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = [];

        public int Count => _errors.Count;

        public void Add(string key, string message)
        {
            if (!_errors.TryGetValue(key, out var list))
            {
                _errors[key] = list = [];
            }

            list.Add(message);
        }

        public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }
}

internal sealed record ValidProvider(string Name, ProviderKind Kind, ProviderSettings Settings, ProviderMappings Mappings);
