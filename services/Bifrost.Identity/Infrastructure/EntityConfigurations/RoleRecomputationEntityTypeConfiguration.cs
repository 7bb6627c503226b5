using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Identity.Infrastructure.EntityConfigurations;

internal sealed class RoleRecomputationEntityTypeConfiguration : IEntityTypeConfiguration<RoleRecomputation>
{
    public void Configure(EntityTypeBuilder<RoleRecomputation> builder)
    {
        builder.ToTable("role_recomputations");
        builder.HasKey(r => r.ProviderId);
        builder.Property(r => r.ProviderId).HasColumnName("provider_id").ValueGeneratedNever();
        builder.Property(r => r.MappingsVersion).HasColumnName("mappings_version");
        builder.Property(r => r.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Processed).HasColumnName("processed");
        builder.Property(r => r.Total).HasColumnName("total");
        builder.Property(r => r.Cursor).HasColumnName("cursor");
        builder.Property(r => r.QueuedAt).HasColumnName("queued_at");
        builder.Property(r => r.StartedAt).HasColumnName("started_at");
        builder.Property(r => r.CompletedAt).HasColumnName("completed_at");
        builder.Property(r => r.Error).HasColumnName("error").HasMaxLength(2000);
        builder.HasIndex(r => r.Status).HasFilter("status IN ('Queued', 'Running')");
    }
}
