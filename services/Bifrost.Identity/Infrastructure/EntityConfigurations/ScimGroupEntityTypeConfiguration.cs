using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Identity.Infrastructure.EntityConfigurations;

internal sealed class ScimGroupEntityTypeConfiguration : IEntityTypeConfiguration<ScimGroup>
{
    public void Configure(EntityTypeBuilder<ScimGroup> builder)
    {
        builder.ToTable("scim_groups");
        builder.HasKey(g => g.Id);
        builder.Property(g => g.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(g => g.ProviderId).HasColumnName("provider_id");
        builder.Property(g => g.DisplayName).HasColumnName("display_name").HasMaxLength(1024);
        builder.Property(g => g.Version).HasColumnName("version");
        builder.Property(g => g.Deleted).HasColumnName("deleted");
        builder.HasIndex(g => g.ProviderId);
    }
}

internal sealed class GroupMembershipEntityTypeConfiguration : IEntityTypeConfiguration<GroupMembership>
{
    public void Configure(EntityTypeBuilder<GroupMembership> builder)
    {
        // No foreign keys: a membership may arrive before its group or its user (events are not ordered).
        builder.ToTable("group_memberships");
        builder.HasKey(m => new { m.GroupId, m.UserId });
        builder.Property(m => m.GroupId).HasColumnName("group_id");
        builder.Property(m => m.UserId).HasColumnName("user_id");
        builder.Property(m => m.ProviderId).HasColumnName("provider_id");
        builder.Property(m => m.Active).HasColumnName("active");
        builder.Property(m => m.Version).HasColumnName("version");
        builder.HasIndex(m => m.UserId).HasFilter("active");
    }
}
