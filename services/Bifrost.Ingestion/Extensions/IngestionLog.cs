namespace Bifrost.Ingestion.Extensions;

/// <summary>Ingestion log entries: ids and counts only, never names or e-mail addresses.</summary>
internal static partial class IngestionLog
{
    [LoggerMessage(EventId = 2001, EventName = "ScimUnhandledError", Level = LogLevel.Error,
        Message = "Unhandled error on {Method} {Path}; answered 500 with a SCIM error")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 2002, EventName = "ScimUserCreated", Level = LogLevel.Debug,
        Message = "User {UserId} created for provider {ProviderId}")]
    public static partial void UserCreated(ILogger logger, Guid userId, Guid providerId);

    [LoggerMessage(EventId = 2003, EventName = "ScimUserUpdated", Level = LogLevel.Debug,
        Message = "User {UserId} of provider {ProviderId} updated to version {Version}")]
    public static partial void UserUpdated(ILogger logger, Guid userId, Guid providerId, long version);

    [LoggerMessage(EventId = 2004, EventName = "ScimUserDeleted", Level = LogLevel.Debug,
        Message = "User {UserId} of provider {ProviderId} deleted; removed from {GroupCount} groups")]
    public static partial void UserDeleted(ILogger logger, Guid userId, Guid providerId, int groupCount);

    [LoggerMessage(EventId = 2006, EventName = "ScimGroupCreated", Level = LogLevel.Debug,
        Message = "Group {GroupId} created for provider {ProviderId} with {MemberCount} members")]
    public static partial void GroupCreated(ILogger logger, Guid groupId, Guid providerId, int memberCount);

    [LoggerMessage(EventId = 2007, EventName = "ScimGroupUpdated", Level = LogLevel.Debug,
        Message = "Group {GroupId} of provider {ProviderId} updated to version {Version}: {Added} members added, {Removed} removed")]
    public static partial void GroupUpdated(ILogger logger, Guid groupId, Guid providerId, long version, int added, int removed);

    [LoggerMessage(EventId = 2008, EventName = "ScimGroupDeleted", Level = LogLevel.Debug,
        Message = "Group {GroupId} of provider {ProviderId} deleted; removed from {ParentCount} parent groups")]
    public static partial void GroupDeleted(ILogger logger, Guid groupId, Guid providerId, int parentCount);

    [LoggerMessage(EventId = 2020, EventName = "ScimUnknownMembersIgnored", Level = LogLevel.Information,
        Message = "Group {GroupId}: {Count} member id(s) that are not users or groups of the provider were ignored")]
    public static partial void UnknownMembersIgnored(ILogger logger, Guid groupId, int count);
}
