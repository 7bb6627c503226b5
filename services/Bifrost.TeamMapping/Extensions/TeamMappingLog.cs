namespace Bifrost.TeamMapping.Extensions;

/// <summary>Team-mapping's log events: ids and counts only, never names, e-mails or attribute values.</summary>
internal static partial class TeamMappingLog
{
    [LoggerMessage(EventId = 4101, EventName = "RecomputationQueued", Level = LogLevel.Information, Message = "Rules of provider {ProviderId} at version {Version}: re-evaluating {Total} users")]
    public static partial void RecomputationQueued(ILogger logger, Guid providerId, long version, int total);

    [LoggerMessage(EventId = 4102, EventName = "RecomputationCompleted", Level = LogLevel.Information, Message = "Rules of provider {ProviderId} at version {Version} applied to {Processed} users")]
    public static partial void RecomputationCompleted(ILogger logger, Guid providerId, long version, int processed);

    [LoggerMessage(EventId = 4103, EventName = "RecomputationFailed", Level = LogLevel.Error, Message = "Re-evaluating the users of provider {ProviderId} failed")]
    public static partial void RecomputationFailed(ILogger logger, Guid providerId, Exception exception);
}
