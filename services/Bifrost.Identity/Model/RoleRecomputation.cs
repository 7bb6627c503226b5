namespace Bifrost.Identity.Model;

public enum RecomputationStatus
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>
/// The background re-evaluation of one provider's roles after its rules changed (one row per provider: the latest).
/// A newer rule change resets the row to <see cref="RecomputationStatus.Queued"/> with the newer
/// <see cref="MappingsVersion"/>, which restarts the run; <see cref="Cursor"/> (the last user id done) lets a run
/// resume after a restart.
/// </summary>
public sealed class RoleRecomputation
{
    public Guid ProviderId { get; init; }
    public long MappingsVersion { get; set; }
    public RecomputationStatus Status { get; set; }
    public int Processed { get; set; }
    public int Total { get; set; }
    public Guid? Cursor { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? Error { get; set; }
}
