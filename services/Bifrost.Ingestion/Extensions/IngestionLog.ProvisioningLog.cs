namespace Bifrost.Ingestion.Extensions;

/// <summary>Provisioning log entries of <see cref="IngestionLog"/> (a file of their own: counts only).</summary>
internal static partial class IngestionLog
{
    [LoggerMessage(EventId = 2030, EventName = "ProvisioningLogWriteFailed", Level = LogLevel.Warning,
        Message = "A batch of {Count} provisioning log entries could not be written and was dropped")]
    public static partial void ProvisioningLogWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2031, EventName = "ProvisioningLogDropped", Level = LogLevel.Warning,
        Message = "{Count} provisioning log entries were still queued at shutdown and were dropped")]
    public static partial void ProvisioningLogDropped(ILogger logger, int count);

    [LoggerMessage(EventId = 2032, EventName = "ProvisioningLogPurged", Level = LogLevel.Information,
        Message = "Purged {Count} provisioning log entries older than {RetentionDays} days")]
    public static partial void ProvisioningLogPurged(ILogger logger, int count, int retentionDays);

    [LoggerMessage(EventId = 2033, EventName = "ProvisioningLogPurgeFailed", Level = LogLevel.Warning,
        Message = "The provisioning log purge failed; it runs again at the next interval")]
    public static partial void ProvisioningLogPurgeFailed(ILogger logger, Exception exception);
}
