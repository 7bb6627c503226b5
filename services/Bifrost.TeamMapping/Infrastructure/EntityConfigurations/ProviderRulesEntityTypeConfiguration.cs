using System.Text.Json;
using Bifrost.Contracts.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.TeamMapping.Infrastructure.EntityConfigurations;

internal sealed class ProviderRulesEntityTypeConfiguration : IEntityTypeConfiguration<ProviderRules>
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<ProviderRules> builder)
    {
        builder.ToTable("provider_rules");
        builder.HasKey(p => p.ProviderId);
        builder.Property(p => p.ProviderId).HasColumnName("provider_id").ValueGeneratedNever();
        builder.Property(p => p.Version).HasColumnName("version");
        builder.Property(p => p.TeamRules).HasColumnName("team_rules").HasColumnType("jsonb").HasConversion(ToJson(), FromJson(), Comparer());
        builder.Property(p => p.BusinessUnitRules).HasColumnName("business_unit_rules").HasColumnType("jsonb").HasConversion(ToJson(), FromJson(), Comparer());
        builder.Property(p => p.ProviderDeleted).HasColumnName("provider_deleted");
        builder.Property(p => p.UpdatedAt).HasColumnName("updated_at");
        builder.Ignore(p => p.UsesGroups);
    }

    private static System.Linq.Expressions.Expression<Func<List<MappingRule>, string>> ToJson() => value => JsonSerializer.Serialize(value, JsonOptions);

    private static System.Linq.Expressions.Expression<Func<string, List<MappingRule>>> FromJson() => json => JsonSerializer.Deserialize<List<MappingRule>>(json, JsonOptions) ?? new List<MappingRule>();

    private static ValueComparer<List<MappingRule>> Comparer() => new(
        (a, b) => a != null && b != null && a.SequenceEqual(b),
        list => list.Aggregate(0, (hash, rule) => HashCode.Combine(hash, rule)),
        list => list.ToList());
}

internal sealed class RecomputationEntityTypeConfiguration : IEntityTypeConfiguration<Recomputation>
{
    public void Configure(EntityTypeBuilder<Recomputation> builder)
    {
        builder.ToTable("recomputations");
        builder.HasKey(r => r.ProviderId);
        builder.Property(r => r.ProviderId).HasColumnName("provider_id").ValueGeneratedNever();
        builder.Property(r => r.MappingsVersion).HasColumnName("mappings_version");
        builder.Property(r => r.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Processed).HasColumnName("processed");
        builder.Property(r => r.Total).HasColumnName("total");
        builder.Property(r => r.Cursor).HasColumnName("cursor");
        builder.Property(r => r.Error).HasColumnName("error").HasMaxLength(2000);
        builder.Property(r => r.QueuedAt).HasColumnName("queued_at");
        builder.Property(r => r.UpdatedAt).HasColumnName("updated_at");
        builder.Property(r => r.CompletedAt).HasColumnName("completed_at");

        builder.HasIndex(r => new { r.Status, r.UpdatedAt });
    }
}
