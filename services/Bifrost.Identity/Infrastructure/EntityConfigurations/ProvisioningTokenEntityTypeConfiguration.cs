using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Identity.Infrastructure.EntityConfigurations;

internal sealed class ProvisioningTokenEntityTypeConfiguration : IEntityTypeConfiguration<ProvisioningToken>
{
    public void Configure(EntityTypeBuilder<ProvisioningToken> builder)
    {
        // No foreign key to providers: the row outlives its provider as a revocation.
        builder.ToTable("provisioning_tokens");
        builder.HasKey(t => t.ProviderId);
        builder.Property(t => t.ProviderId).HasColumnName("provider_id").ValueGeneratedNever();
        builder.Property(t => t.TokenSha256).HasColumnName("token_sha256").HasMaxLength(32);
        builder.Property(t => t.CreatedAt).HasColumnName("created_at");
        builder.Property(t => t.Source).HasColumnName("source").HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.Version).HasColumnName("version");
        builder.Property(t => t.RevokedAt).HasColumnName("revoked_at");
        builder.Property(t => t.ProviderDeleted).HasColumnName("provider_deleted");
        builder.Property(t => t.RowVersion).IsRowVersion();
        builder.Ignore(t => t.IsActive);

        builder.HasIndex(t => t.TokenSha256).IsUnique().HasFilter("token_sha256 IS NOT NULL");
    }
}
