using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Identity.Infrastructure.EntityConfigurations;

internal sealed class UserAffiliationEntityTypeConfiguration : IEntityTypeConfiguration<UserAffiliation>
{
    public void Configure(EntityTypeBuilder<UserAffiliation> builder)
    {
        builder.ToTable("user_affiliations");
        builder.HasKey(a => new { a.UserId, a.Kind, a.TargetId });
        builder.Property(a => a.UserId).HasColumnName("user_id");
        builder.Property(a => a.Kind).HasColumnName("kind").HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.TargetId).HasColumnName("target_id");
        builder.Property(a => a.Name).HasColumnName("name").HasMaxLength(200);
        builder.Property(a => a.Sources).HasColumnName("sources");
        builder.Property(a => a.Version).HasColumnName("version");
        // The users filters (?team=, ?businessUnit=) look up by target.
        builder.HasIndex(a => new { a.Kind, a.TargetId, a.UserId });
    }
}

internal sealed class UserAffiliationStateEntityTypeConfiguration : IEntityTypeConfiguration<UserAffiliationState>
{
    public void Configure(EntityTypeBuilder<UserAffiliationState> builder)
    {
        builder.ToTable("user_affiliation_versions");
        builder.HasKey(s => s.UserId);
        builder.Property(s => s.UserId).HasColumnName("user_id").ValueGeneratedNever();
        builder.Property(s => s.ProviderId).HasColumnName("provider_id");
        builder.Property(s => s.Version).HasColumnName("version");
    }
}
