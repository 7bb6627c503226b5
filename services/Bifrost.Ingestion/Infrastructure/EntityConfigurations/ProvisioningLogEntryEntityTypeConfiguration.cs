using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Ingestion.Infrastructure.EntityConfigurations;

/// <summary>
/// <c>provisioning_log</c>: append-only, written in batches by <see cref="ProvisioningLogWriter"/> (binary COPY) and read
/// newest first with keyset pagination on (<c>occurred_at</c>, <c>id</c>). Each index leads with a filter of
/// <c>GET /api/provisioning-log</c> and ends with the sort key, so a filtered page is an index range scan.
/// Every SCIM request adds a row, and each index costs its insert: failures (the rows an operator looks for first) get
/// their own partial indexes, which a success never touches, where a full (provider, outcome, time) index took an insert
/// per request. A page of successes reads the time or provider index and skips the rare failures.
/// </summary>
internal sealed class ProvisioningLogEntryEntityTypeConfiguration : IEntityTypeConfiguration<ProvisioningLogEntry>
{
    public const string Table = "provisioning_log";

    public void Configure(EntityTypeBuilder<ProvisioningLogEntry> builder)
    {
        builder.ToTable(Table);
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        builder.Property(e => e.OccurredAt).HasColumnName("occurred_at");
        builder.Property(e => e.ProviderId).HasColumnName("provider_id");
        builder.Property(e => e.Method).HasColumnName("method").HasMaxLength(16);
        builder.Property(e => e.ResourceType).HasColumnName("resource_type").HasMaxLength(32);
        builder.Property(e => e.Operation).HasColumnName("operation").HasMaxLength(32);
        builder.Property(e => e.ResourceId).HasColumnName("resource_id");
        builder.Property(e => e.Outcome).HasColumnName("outcome").HasMaxLength(16);
        builder.Property(e => e.Status).HasColumnName("status");
        builder.Property(e => e.ScimType).HasColumnName("scim_type").HasMaxLength(64);
        builder.Property(e => e.DurationMs).HasColumnName("duration_ms");
        builder.Property(e => e.TraceId).HasColumnName("trace_id").HasMaxLength(32);

        builder.HasIndex(e => new { e.OccurredAt, e.Id }).IsDescending(true, true);
        builder.HasIndex(e => new { e.ProviderId, e.OccurredAt, e.Id }).IsDescending(false, true, true);
        builder.HasIndex(e => new { e.OccurredAt, e.Id }, "IX_provisioning_log_failures").IsDescending(true, true).HasFilter("outcome = 'failure'");
        builder.HasIndex(e => new { e.ProviderId, e.OccurredAt, e.Id }, "IX_provisioning_log_provider_failures").IsDescending(false, true, true).HasFilter("outcome = 'failure'");
        builder.HasIndex(e => new { e.ResourceId, e.OccurredAt }).HasFilter("resource_id IS NOT NULL");
        builder.HasIndex(e => e.TraceId).HasFilter("trace_id IS NOT NULL");
    }
}
