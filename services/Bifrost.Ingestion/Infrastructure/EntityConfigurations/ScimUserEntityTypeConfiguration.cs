using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Ingestion.Infrastructure.EntityConfigurations;

internal sealed class ScimUserEntityTypeConfiguration : IEntityTypeConfiguration<ScimUser>
{
    public void Configure(EntityTypeBuilder<ScimUser> builder)
    {
        builder.ToTable("scim_users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(u => u.ProviderId).HasColumnName("provider_id");
        builder.Property(u => u.UserName).HasColumnName("user_name").HasMaxLength(1024);
        builder.Property(u => u.UserNameKey).HasColumnName("user_name_key").HasMaxLength(1024);
        builder.Property(u => u.ExternalId).HasColumnName("external_id").HasMaxLength(1024);
        builder.Property(u => u.DisplayName).HasColumnName("display_name").HasMaxLength(1024);
        builder.Property(u => u.DisplayNameKey).HasColumnName("display_name_key").HasMaxLength(1024);
        builder.Property(u => u.EmailKey).HasColumnName("email_key").HasMaxLength(1024);
        builder.Property(u => u.EmailKeys).HasColumnName("email_keys").HasDefaultValueSql("'{}'::text[]");
        builder.Property(u => u.Active).HasColumnName("active");
        builder.Property(u => u.Resource).HasColumnName("resource").HasColumnType("jsonb");
        builder.Property(u => u.Version).HasColumnName("version").IsConcurrencyToken();
        builder.Property(u => u.CreatedAt).HasColumnName("created_at");
        builder.Property(u => u.LastModifiedAt).HasColumnName("last_modified_at");

        builder.HasIndex(u => new { u.ProviderId, u.UserNameKey }).IsUnique();
        builder.HasIndex(u => new { u.ProviderId, u.ExternalId });
        builder.HasIndex(u => new { u.ProviderId, u.DisplayNameKey });
        builder.HasIndex(u => new { u.ProviderId, u.EmailKey });
        builder.HasIndex(u => u.EmailKeys).HasMethod("gin");
    }
}
