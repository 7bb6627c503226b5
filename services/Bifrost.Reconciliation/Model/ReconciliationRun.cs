namespace Bifrost.Reconciliation.Model;

public enum RunStatus
{
    Running,
    Completed,
    Failed,
}

public enum RunTrigger
{
    Startup,
    Schedule,
    Manual,
}

/// <summary>
/// One reconciliation run: one provider, or every Entra provider with Graph credentials when <see cref="ProviderId"/>
/// is null. At most one running run covers a provider (checked under an advisory lock when a run starts).
/// </summary>
public sealed class ReconciliationRun
{
    public Guid Id { get; init; }
    public Guid? ProviderId { get; init; }
    public RunTrigger Trigger { get; init; }
    public bool DryRun { get; init; }
    public RunStatus Status { get; set; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Why the run failed (never names, e-mails or secrets).</summary>
    public string? Error { get; set; }

    public RunReport Report { get; set; } = new();
}

/// <summary>Progress and findings of a run. Examples are resource ids only (Graph object ids), at most <see cref="MaxExamples"/> per kind.</summary>
public sealed record RunReport
{
    public const int MaxExamples = 20;

    public List<Guid> Providers { get; init; } = [];
    public RunProgress Progress { get; init; } = new();
    public Dictionary<string, DriftCount> Drift { get; init; } = [];
}

public sealed record RunProgress
{
    public long UsersCompared { get; set; }
    public long GroupsCompared { get; set; }
    public long MembershipsCompared { get; set; }

    /// <summary>The phase under way: <c>assignments</c>, <c>users</c>, <c>groups</c> or <c>memberships</c> (null once done).</summary>
    public string? Phase { get; set; }

    /// <summary>Seconds spent in each phase so far, over every provider of the run.</summary>
    public Dictionary<string, double> PhaseSeconds { get; init; } = [];
}

public sealed record DriftCount
{
    public long Found { get; set; }
    public long Repaired { get; set; }
    public List<string> Examples { get; init; } = [];
}

/// <summary>The drift kinds a run reports (the report's keys).</summary>
public static class DriftKind
{
    /// <summary>In scope and enabled in Graph, absent from ingestion: created.</summary>
    public const string MissingUser = "missingUser";

    /// <summary>Assigned in Graph, absent from ingestion: created.</summary>
    public const string MissingGroup = "missingGroup";

    /// <summary>A mapped user attribute (or a group's displayName) differs: replaced with Graph's value.</summary>
    public const string AttributeDifference = "attributeDifference";

    /// <summary>Disabled, unassigned or deleted in Graph but active in ingestion: deactivated (active=false).</summary>
    public const string MissedDeactivation = "missedDeactivation";

    /// <summary>Enabled and in scope in Graph but inactive in ingestion: reactivated (active=true).</summary>
    public const string MissedReactivation = "missedReactivation";

    /// <summary>A member missing from, or extra in, an ingestion group: added or removed.</summary>
    public const string MembershipDifference = "membershipDifference";

    /// <summary>A group in ingestion that is no longer assigned (or was deleted) in Graph: deleted, as Entra does.</summary>
    public const string ExtraGroup = "extraGroup";

    public static readonly string[] All = [MissingUser, MissingGroup, AttributeDifference, MissedDeactivation, MissedReactivation, MembershipDifference, ExtraGroup];
}
