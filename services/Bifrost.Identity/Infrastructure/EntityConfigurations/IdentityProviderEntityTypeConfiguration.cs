using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bifrost.Identity.Infrastructure.EntityConfigurations;

internal sealed class IdentityProviderEntityTypeConfiguration : IEntityTypeConfiguration<IdentityProvider>
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public void Configure(EntityTypeBuilder<IdentityProvider> builder)
    {
        builder.ToTable("providers");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(p => p.Name).HasColumnName("name").HasMaxLength(200);
        builder.Property(p => p.Kind).HasColumnName("kind").HasConversion<string>().HasMaxLength(16);
        // Settings and mappings are read and written as a whole per provider: one jsonb document each.
        builder.Property(p => p.Settings).HasColumnName("settings").HasColumnType("jsonb")
            .HasConversion(ToJson<ProviderSettings>(), FromJson<ProviderSettings>(), JsonComparer<ProviderSettings>());
        builder.Property(p => p.Mappings).HasColumnName("mappings").HasColumnType("jsonb")
            .HasConversion(ToJson<ProviderMappings>(), FromJson<ProviderMappings>(), JsonComparer<ProviderMappings>());
        builder.Property(p => p.MappingsVersion).HasColumnName("mappings_version");
        builder.Property(p => p.RowVersion).IsRowVersion();
        builder.Property(p => p.CreatedAt).HasColumnName("created_at");
        builder.Property(p => p.UpdatedAt).HasColumnName("updated_at");

        builder.HasIndex(p => p.Name).IsUnique();
    }

    private static Expression<Func<T, string>> ToJson<T>() => value => JsonSerializer.Serialize(value, JsonOptions);

    private static Expression<Func<string, T>> FromJson<T>() where T : class, new() =>
        json => JsonSerializer.Deserialize<T>(json, JsonOptions) ?? new T();

    /// <summary>The documents are immutable records holding lists: compare them by their JSON.</summary>
    private static ValueComparer<T> JsonComparer<T>() where T : class, new() => new(
        (a, b) => JsonSerializer.Serialize(a, JsonOptions) == JsonSerializer.Serialize(b, JsonOptions),
        value => JsonSerializer.Serialize(value, JsonOptions).GetHashCode(StringComparison.Ordinal),
        value => value);
}
