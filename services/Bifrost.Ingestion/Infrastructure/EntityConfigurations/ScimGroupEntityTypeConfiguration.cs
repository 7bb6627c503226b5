using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Ingestion.Infrastructure.EntityConfigurations;

internal sealed class ScimGroupEntityTypeConfiguration : IEntityTypeConfiguration<ScimGroup>
{
    public void Configure(EntityTypeBuilder<ScimGroup> builder)
    {
        builder.ToTable("scim_groups");
        builder.HasKey(g => g.Id);
        builder.Property(g => g.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(g => g.ProviderId).HasColumnName("provider_id");
        builder.Property(g => g.DisplayName).HasColumnName("display_name").HasMaxLength(1024);
        builder.Property(g => g.DisplayNameKey).HasColumnName("display_name_key").HasMaxLength(1024);
        builder.Property(g => g.ExternalId).HasColumnName("external_id").HasMaxLength(1024);
        builder.Property(g => g.Resource).HasColumnName("resource").HasColumnType("jsonb");
        builder.Property(g => g.Version).HasColumnName("version").IsConcurrencyToken();
        builder.Property(g => g.CreatedAt).HasColumnName("created_at");
        builder.Property(g => g.LastModifiedAt).HasColumnName("last_modified_at");

        builder.HasIndex(g => new { g.ProviderId, g.DisplayNameKey }).IsUnique();
        builder.HasIndex(g => new { g.ProviderId, g.ExternalId });
    }
}
