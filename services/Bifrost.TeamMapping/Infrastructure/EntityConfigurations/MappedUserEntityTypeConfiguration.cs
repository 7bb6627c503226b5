using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.TeamMapping.Infrastructure.EntityConfigurations;

internal sealed class MappedUserEntityTypeConfiguration : IEntityTypeConfiguration<MappedUser>
{
    public void Configure(EntityTypeBuilder<MappedUser> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(u => u.ProviderId).HasColumnName("provider_id");
        builder.Property(u => u.State).HasColumnName("state").HasConversion<string>().HasMaxLength(16);
        builder.Property(u => u.Version).HasColumnName("version");
        builder.Property(u => u.Attributes).HasColumnName("attributes").HasColumnType("jsonb")
            .HasConversion(
                value => JsonSerializer.Serialize(value, JsonSerializerOptions.Default),
                json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, JsonSerializerOptions.Default) ?? new Dictionary<string, string>(),
                new ValueComparer<Dictionary<string, string>>(
                    (a, b) => a != null && b != null && a.Count == b.Count && !a.Except(b).Any(),
                    d => d.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key, pair.Value)),
                    d => new Dictionary<string, string>(d)));
        builder.Property(u => u.Email).HasColumnName("email").HasMaxLength(320);
        builder.Property(u => u.AffiliationsVersion).HasColumnName("affiliations_version");
        builder.Property(u => u.UpdatedAt).HasColumnName("updated_at");

        // Recomputation walks a provider's users in id order.
        builder.HasIndex(u => new { u.ProviderId, u.Id });
    }
}
