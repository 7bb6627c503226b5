using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Ingestion.Infrastructure.EntityConfigurations;

internal sealed class ScimGroupMemberEntityTypeConfiguration : IEntityTypeConfiguration<ScimGroupMember>
{
    public void Configure(EntityTypeBuilder<ScimGroupMember> builder)
    {
        builder.ToTable("scim_group_members");
        builder.HasKey(m => new { m.GroupId, m.MemberId });
        builder.Property(m => m.ProviderId).HasColumnName("provider_id");
        builder.Property(m => m.GroupId).HasColumnName("group_id");
        builder.Property(m => m.MemberId).HasColumnName("member_id");
        builder.Property(m => m.MemberType).HasColumnName("member_type").HasMaxLength(8);

        // Deleting a group deletes its member rows in the same statement.
        builder.HasOne<ScimGroup>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(m => new { m.ProviderId, m.MemberId });
    }
}
