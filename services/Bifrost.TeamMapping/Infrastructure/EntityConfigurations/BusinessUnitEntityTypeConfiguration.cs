using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.TeamMapping.Infrastructure.EntityConfigurations;

internal sealed class BusinessUnitEntityTypeConfiguration : IEntityTypeConfiguration<BusinessUnit>
{
    public void Configure(EntityTypeBuilder<BusinessUnit> builder)
    {
        builder.ToTable("business_units");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(b => b.ProviderId).HasColumnName("provider_id");
        builder.Property(b => b.Name).HasColumnName("name").HasMaxLength(512);
        builder.Property(b => b.NameKey).HasColumnName("name_key").HasMaxLength(512);
        builder.Property(b => b.CreatedAt).HasColumnName("created_at");

        builder.HasIndex(b => new { b.ProviderId, b.NameKey }).IsUnique();
        builder.HasIndex(b => new { b.NameKey, b.Id });
    }
}

internal sealed class BusinessUnitMembershipEntityTypeConfiguration : IEntityTypeConfiguration<BusinessUnitMembership>
{
    public void Configure(EntityTypeBuilder<BusinessUnitMembership> builder)
    {
        builder.ToTable("business_unit_memberships");
        builder.HasKey(m => new { m.BusinessUnitId, m.UserId, m.Source });
        builder.Property(m => m.BusinessUnitId).HasColumnName("business_unit_id");
        builder.Property(m => m.UserId).HasColumnName("user_id");
        builder.Property(m => m.Source).HasColumnName("source").HasConversion<string>().HasMaxLength(32);
        builder.Property(m => m.GrantedAt).HasColumnName("granted_at");

        builder.HasIndex(m => m.UserId);
        builder.HasOne<BusinessUnit>().WithMany().HasForeignKey(m => m.BusinessUnitId).OnDelete(DeleteBehavior.Cascade);
    }
}
