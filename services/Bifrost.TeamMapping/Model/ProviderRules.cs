using Bifrost.Contracts.Providers;

namespace Bifrost.TeamMapping.Model;

/// <summary>A provider's team and business-unit rules at the highest mappings version received.</summary>
public sealed class ProviderRules
{
    public Guid ProviderId { get; init; }
    public long Version { get; set; }
    public List<MappingRule> TeamRules { get; set; } = [];
    public List<MappingRule> BusinessUnitRules { get; set; } = [];
    public bool ProviderDeleted { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public bool UsesGroups => TeamRules.Concat(BusinessUnitRules).Any(r => r.Attribute == RuleEvaluator.GroupsAttribute);
}

public enum RecomputationStatus
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>
/// The background re-evaluation of a provider's users after a rules change: users are walked in id order
/// (<see cref="Cursor"/> is the last id done), one short transaction per batch, so a restart resumes where it stopped
/// and a newer rules version starts over.
/// </summary>
public sealed class Recomputation
{
    public Guid ProviderId { get; init; }
    public long MappingsVersion { get; set; }
    public RecomputationStatus Status { get; set; }
    public int Processed { get; set; }
    public int Total { get; set; }
    public Guid? Cursor { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}
