namespace Bifrost.Ingestion.Extensions;

internal static partial class IngestionLog
{
    [LoggerMessage(EventId = 2001, EventName = "ScimUnhandledError", Level = LogLevel.Error,
        Message = "Unhandled error on {Method} {Path}; answered 500 with a SCIM error")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 2002, EventName = "ScimUserCreated", Level = LogLevel.Debug,
        Message = "User {UserId} created for provider {ProviderId}")]
    public static partial void UserCreated(ILogger logger, Guid userId, Guid providerId);
}
