using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.TeamMapping.Infrastructure.EntityConfigurations;

internal sealed class TeamEntityTypeConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> builder)
    {
        builder.ToTable("teams");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(t => t.ProviderId).HasColumnName("provider_id");
        builder.Property(t => t.Name).HasColumnName("name").HasMaxLength(512);
        builder.Property(t => t.NameKey).HasColumnName("name_key").HasMaxLength(512);
        builder.Property(t => t.ScimGroupId).HasColumnName("scim_group_id");
        builder.Property(t => t.ScimGroupVersion).HasColumnName("scim_group_version");
        builder.Property(t => t.NameVersion).HasColumnName("name_version");
        builder.Property(t => t.ArchivedAt).HasColumnName("archived_at");
        builder.Property(t => t.CreatedAt).HasColumnName("created_at");
        builder.Property(t => t.UpdatedAt).HasColumnName("updated_at");

        builder.HasIndex(t => t.ScimGroupId).IsUnique();
        builder.HasIndex(t => new { t.NameKey, t.Id });

        // A rule-made team is one per (provider, name); SCIM-group teams may share names, manual teams have no provider.
        builder.HasIndex(t => new { t.ProviderId, t.NameKey }).IsUnique().HasFilter("scim_group_id IS NULL AND provider_id IS NOT NULL");
    }
}

internal sealed class TeamMembershipEntityTypeConfiguration : IEntityTypeConfiguration<TeamMembership>
{
    public void Configure(EntityTypeBuilder<TeamMembership> builder)
    {
        builder.ToTable("team_memberships");
        builder.HasKey(m => new { m.TeamId, m.UserId, m.Source });
        builder.Property(m => m.TeamId).HasColumnName("team_id");
        builder.Property(m => m.UserId).HasColumnName("user_id");
        builder.Property(m => m.Source).HasColumnName("source").HasConversion<string>().HasMaxLength(32);
        builder.Property(m => m.Active).HasColumnName("active");
        builder.Property(m => m.Version).HasColumnName("version");
        builder.Property(m => m.GrantedAt).HasColumnName("granted_at");
        builder.Property(m => m.UpdatedAt).HasColumnName("updated_at");

        // A user's memberships, by source: a refresh reads a user's rule-made rows among all of its SCIM group rows.
        builder.HasIndex(m => new { m.UserId, m.Source });
        builder.HasOne<Team>().WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
