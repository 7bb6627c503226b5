namespace Bifrost.Identity.Extensions;

/// <summary>Identity's log entries: ids and versions only, never names, secrets or tokens.</summary>
internal static partial class IdentityLog
{
    [LoggerMessage(EventId = 2101, EventName = "ProviderCreated", Level = LogLevel.Information, Message = "Provider {ProviderId} ({Kind}) created")]
    public static partial void ProviderCreated(ILogger logger, Guid providerId, string kind);

    [LoggerMessage(EventId = 2102, EventName = "ProviderUpdated", Level = LogLevel.Information, Message = "Provider {ProviderId} updated")]
    public static partial void ProviderUpdated(ILogger logger, Guid providerId);

    [LoggerMessage(EventId = 2103, EventName = "ProviderDeleted", Level = LogLevel.Information, Message = "Provider {ProviderId} deleted; token version {Version}")]
    public static partial void ProviderDeleted(ILogger logger, Guid providerId, long version);

    [LoggerMessage(EventId = 2104, EventName = "ScimEnabled", Level = LogLevel.Information, Message = "SCIM enabled for provider {ProviderId}; token version {Version}")]
    public static partial void ScimEnabled(ILogger logger, Guid providerId, long version);

    [LoggerMessage(EventId = 2105, EventName = "ScimTokenRotated", Level = LogLevel.Information, Message = "SCIM token of provider {ProviderId} rotated; token version {Version}")]
    public static partial void TokenRotated(ILogger logger, Guid providerId, long version);

    [LoggerMessage(EventId = 2106, EventName = "ScimDisabled", Level = LogLevel.Information, Message = "SCIM disabled for provider {ProviderId}; token version {Version}")]
    public static partial void ScimDisabled(ILogger logger, Guid providerId, long version);

    [LoggerMessage(EventId = 2107, EventName = "ProviderSeeded", Level = LogLevel.Information, Message = "Provider {ProviderId} seeded from configuration; token version {Version}")]
    public static partial void ProviderSeeded(ILogger logger, Guid providerId, long version);

    [LoggerMessage(EventId = 2108, EventName = "SeededTokenMissing", Level = LogLevel.Warning,
        Message = "Seeded provider {ProviderId} has no usable token (unset env variable, or a literal outside Development); its token is left as it is")]
    public static partial void SeededTokenMissing(ILogger logger, Guid providerId);

    [LoggerMessage(EventId = 2109, EventName = "SeededProviderInvalid", Level = LogLevel.Warning,
        Message = "Seeded provider entry {Index} has no id or an unknown kind; it is skipped")]
    public static partial void SeededProviderInvalid(ILogger logger, int index);

    [LoggerMessage(EventId = 2110, EventName = "RoleRecomputationQueued", Level = LogLevel.Information, Message = "Role recomputation queued for provider {ProviderId}, mappings version {Version}")]
    public static partial void RecomputationQueued(ILogger logger, Guid providerId, long version);

    [LoggerMessage(EventId = 2111, EventName = "RoleRecomputationStarted", Level = LogLevel.Information, Message = "Role recomputation of provider {ProviderId}, mappings version {Version}, started for {Total} users")]
    public static partial void RecomputationStarted(ILogger logger, Guid providerId, long version, int total);

    [LoggerMessage(EventId = 2112, EventName = "RoleRecomputationCompleted", Level = LogLevel.Information, Message = "Role recomputation of provider {ProviderId}, mappings version {Version}, completed")]
    public static partial void RecomputationCompleted(ILogger logger, Guid providerId, long version);

    [LoggerMessage(EventId = 2113, EventName = "RoleRecomputationFailed", Level = LogLevel.Error, Message = "Role recomputation of provider {ProviderId}, mappings version {Version}, failed")]
    public static partial void RecomputationFailed(ILogger logger, Exception exception, Guid providerId, long version);

    [LoggerMessage(EventId = 2114, EventName = "RoleRecomputationLoopFailed", Level = LogLevel.Error, Message = "Role recomputation worker failed; retrying")]
    public static partial void RecomputationLoopFailed(ILogger logger, Exception exception);
}
