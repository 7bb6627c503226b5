using Bifrost.Contracts.Providers;
using Bifrost.Contracts.Scim;

namespace Bifrost.TeamMapping.FunctionalTests;

/// <summary>Builders for the events team-mapping consumes.</summary>
internal static class Events
{
    public const string Department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
    public static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    public static ScimUserSnapshot Snapshot(bool active = true, params (string Key, string Value)[] attributes) => new()
    {
        UserName = "user@example.test",
        Active = active,
        Attributes = attributes.ToDictionary(a => a.Key, a => a.Value),
    };

    public static ScimUserProvisioned Provisioned(Guid provider, Guid user, long version = 1, params (string Key, string Value)[] attributes) =>
        new() { ProviderId = provider, UserId = user, Version = version, OccurredAt = T0.AddMinutes(version), User = Snapshot(true, attributes) };

    public static ScimUserUpdated Updated(Guid provider, Guid user, long version, params (string Key, string Value)[] attributes) =>
        new() { ProviderId = provider, UserId = user, Version = version, OccurredAt = T0.AddMinutes(version), User = Snapshot(true, attributes) };

    public static ScimUserDeactivated Deactivated(Guid provider, Guid user, long version, params (string Key, string Value)[] attributes) =>
        new() { ProviderId = provider, UserId = user, Version = version, OccurredAt = T0.AddMinutes(version), User = Snapshot(false, attributes) };

    public static ScimUserReactivated Reactivated(Guid provider, Guid user, long version, params (string Key, string Value)[] attributes) =>
        new() { ProviderId = provider, UserId = user, Version = version, OccurredAt = T0.AddMinutes(version), User = Snapshot(true, attributes) };

    public static ScimUserDeleted Deleted(Guid provider, Guid user, long version) =>
        new() { ProviderId = provider, UserId = user, Version = version, OccurredAt = T0.AddMinutes(version) };

    public static ProviderMappingsChanged Rules(Guid provider, long version, MappingRule[]? teams = null, MappingRule[]? units = null, bool deleted = false) =>
        new() { ProviderId = provider, Version = version, OccurredAt = T0.AddMinutes(version), TeamRules = teams ?? [], BusinessUnitRules = units ?? [], ProviderDeleted = deleted };

    public static ScimGroupCreated GroupCreated(Guid provider, Guid group, string name, long version = 1) =>
        new() { ProviderId = provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version), DisplayName = name };

    public static ScimGroupRenamed GroupRenamed(Guid provider, Guid group, string name, long version) =>
        new() { ProviderId = provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version), DisplayName = name };

    public static ScimGroupDeleted GroupDeleted(Guid provider, Guid group, long version) =>
        new() { ProviderId = provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version) };

    public static ScimGroupMembersAdded MembersAdded(Guid provider, Guid group, long version, params Guid[] users) =>
        new() { ProviderId = provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version), MemberIds = users };

    public static ScimGroupMembersRemoved MembersRemoved(Guid provider, Guid group, long version, params Guid[] users) =>
        new() { ProviderId = provider, GroupId = group, Version = version, OccurredAt = T0.AddMinutes(version), MemberIds = users };
}
