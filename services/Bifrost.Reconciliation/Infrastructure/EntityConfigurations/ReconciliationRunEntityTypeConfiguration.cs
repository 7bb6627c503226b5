using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Reconciliation.Infrastructure.EntityConfigurations;

internal sealed class ReconciliationRunEntityTypeConfiguration : IEntityTypeConfiguration<ReconciliationRun>
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<ReconciliationRun> builder)
    {
        builder.ToTable("runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(r => r.ProviderId).HasColumnName("provider_id");
        builder.Property(r => r.Trigger).HasColumnName("trigger").HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.DryRun).HasColumnName("dry_run");
        builder.Property(r => r.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.StartedAt).HasColumnName("started_at");
        builder.Property(r => r.CompletedAt).HasColumnName("completed_at");
        builder.Property(r => r.Error).HasColumnName("error").HasMaxLength(2000);
        // The report is read and written as a whole: one jsonb document (counts and ids only).
        builder.Property(r => r.Report).HasColumnName("report").HasColumnType("jsonb")
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonOptions),
                json => JsonSerializer.Deserialize<RunReport>(json, JsonOptions) ?? new RunReport(),
                new ValueComparer<RunReport>(
                    (a, b) => JsonSerializer.Serialize(a, JsonOptions) == JsonSerializer.Serialize(b, JsonOptions),
                    v => JsonSerializer.Serialize(v, JsonOptions).GetHashCode(StringComparison.Ordinal),
                    v => JsonSerializer.Deserialize<RunReport>(JsonSerializer.Serialize(v, JsonOptions), JsonOptions)!));

        builder.HasIndex(r => r.StartedAt);
        builder.HasIndex(r => r.Status).HasFilter("status = 'Running'");
    }
}
