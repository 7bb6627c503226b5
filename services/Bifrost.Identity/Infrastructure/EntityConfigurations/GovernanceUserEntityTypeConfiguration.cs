using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Identity.Infrastructure.EntityConfigurations;

internal sealed class GovernanceUserEntityTypeConfiguration : IEntityTypeConfiguration<GovernanceUser>
{
    public void Configure(EntityTypeBuilder<GovernanceUser> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(u => u.ProviderId).HasColumnName("provider_id");
        builder.Property(u => u.UserName).HasColumnName("user_name").HasMaxLength(1024);
        builder.Property(u => u.ExternalId).HasColumnName("external_id").HasMaxLength(1024);
        builder.Property(u => u.DisplayName).HasColumnName("display_name").HasMaxLength(1024);
        builder.Property(u => u.Email).HasColumnName("email").HasMaxLength(1024);
        builder.Property(u => u.State).HasColumnName("state").HasConversion<string>().HasMaxLength(16);
        builder.Property(u => u.Attributes).HasColumnName("attributes").HasColumnType("jsonb")
            .HasConversion(
                value => AttributesJson(value),
                json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, JsonSerializerOptions.Default) ?? new Dictionary<string, string>(),
                new ValueComparer<Dictionary<string, string>>(
                    (a, b) => a != null && b != null && a.Count == b.Count && !a.Except(b).Any(),
                    d => d.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key, pair.Value)),
                    d => new Dictionary<string, string>(d)));
        builder.Property(u => u.Role).HasColumnName("role").HasMaxLength(16);
        builder.Property(u => u.RoleReason).HasColumnName("role_reason").HasColumnType("jsonb")
            .HasConversion(
                value => RoleReasonJson(value),
                json => JsonSerializer.Deserialize<RoleReason>(json, JsonSerializerOptions.Web));
        builder.Property(u => u.Version).HasColumnName("version");
        builder.Property(u => u.SnapshotVersion).HasColumnName("snapshot_version");
        builder.Property(u => u.LastTraceId).HasColumnName("last_trace_id").HasMaxLength(32);
        builder.Property(u => u.CreatedAt).HasColumnName("created_at");
        builder.Property(u => u.UpdatedAt).HasColumnName("updated_at");

        builder.HasIndex(u => new { u.ProviderId, u.UserName });
        builder.HasIndex(u => new { u.State, u.UserName });
        builder.HasIndex(u => new { u.Role, u.UserName });
    }

    /// <summary>The stored form of <see cref="GovernanceUser.Attributes"/> (also written by <see cref="GovernanceUserInserts"/>).</summary>
    internal static string AttributesJson(Dictionary<string, string> value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Default);

    /// <summary>The stored form of <see cref="GovernanceUser.RoleReason"/>.</summary>
    internal static string RoleReasonJson(RoleReason? value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
