namespace Bifrost.Reconciliation.Extensions;

/// <summary>Reconciliation's log entries: ids and counts only, never names, e-mails or secrets.</summary>
internal static partial class ReconciliationLog
{
    [LoggerMessage(EventId = 4101, EventName = "RunStarted", Level = LogLevel.Information, Message = "Reconciliation run {RunId} started ({Trigger}, dry run {DryRun}) for {ProviderCount} provider(s)")]
    public static partial void RunStarted(ILogger logger, Guid runId, string trigger, bool dryRun, int providerCount);

    [LoggerMessage(EventId = 4102, EventName = "RunCompleted", Level = LogLevel.Information, Message = "Reconciliation run {RunId} completed in {Seconds:0.0} s")]
    public static partial void RunCompleted(ILogger logger, Guid runId, double seconds);

    [LoggerMessage(EventId = 4103, EventName = "RunFailed", Level = LogLevel.Warning, Message = "Reconciliation run {RunId} failed: {Reason}")]
    public static partial void RunFailed(ILogger logger, Guid runId, string reason);

    [LoggerMessage(EventId = 4104, EventName = "ScheduledRunSkipped", Level = LogLevel.Information, Message = "Scheduled reconciliation ({Trigger}) skipped: run {RunId} is still running")]
    public static partial void ScheduledRunSkipped(ILogger logger, string trigger, Guid runId);

    [LoggerMessage(EventId = 4105, EventName = "ScheduledRunNotStarted", Level = LogLevel.Warning, Message = "Scheduled reconciliation ({Trigger}) could not start")]
    public static partial void ScheduledRunNotStarted(ILogger logger, string trigger, Exception exception);

    [LoggerMessage(EventId = 4106, EventName = "ProviderSecretUnresolved", Level = LogLevel.Warning, Message = "Provider {ProviderId}: its Graph client secret names an environment variable that is not set; it is not reconciled")]
    public static partial void ProviderSecretUnresolved(ILogger logger, Guid providerId);

    [LoggerMessage(EventId = 4107, EventName = "InterruptedRunsFailed", Level = LogLevel.Warning, Message = "{Count} run(s) left running by a previous process marked failed")]
    public static partial void InterruptedRunsFailed(ILogger logger, int count);
}
