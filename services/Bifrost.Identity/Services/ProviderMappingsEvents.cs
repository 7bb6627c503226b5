using Bifrost.Contracts.Providers;
using Bifrost.Messaging;

namespace Bifrost.Identity.Services;

/// <summary>What a mappings update changed: the part team-mapping reads, the part roles are computed from, or neither.</summary>
internal readonly record struct MappingsChange(bool Affiliations, bool Roles)
{
    public bool Any => Affiliations || Roles;

    public static MappingsChange Between(ProviderMappings before, ProviderMappings after)
    {
        var attributes = !before.ScimAttributes.SequenceEqual(after.ScimAttributes, StringComparer.Ordinal);
        var affiliations = attributes
            || !before.TeamRules.SequenceEqual(after.TeamRules)
            || !before.BusinessUnitRules.SequenceEqual(after.BusinessUnitRules);
        var roles = attributes
            || before.RoleResolutionStrategy != after.RoleResolutionStrategy
            || !before.RoleRules.SequenceEqual(after.RoleRules);
        return new MappingsChange(affiliations, roles);
    }
}

/// <summary>Queues <see cref="ProviderMappingsChanged"/> in the outbox of the context that saves the provider change.</summary>
internal static class ProviderMappingsEvents
{
    public static void AddMappingsChanged(this IdentityDbContext db, IdentityProvider provider, TimeProvider time, bool providerDeleted = false)
    {
        var mappings = providerDeleted ? new ProviderMappings() : provider.Mappings;
        db.AddOutboxMessage(new ProviderMappingsChanged
        {
            ProviderId = provider.Id,
            Version = provider.MappingsVersion,
            OccurredAt = time.GetUtcNow(),
            ScimAttributes = [.. mappings.ScimAttributes],
            TeamRules = [.. mappings.TeamRules.Select(r => new MappingRule(r.Attribute, r.Value, r.Team))],
            BusinessUnitRules = [.. mappings.BusinessUnitRules.Select(r => new MappingRule(r.Attribute, r.Value, r.BusinessUnit))],
            ProviderDeleted = providerDeleted,
        }, time);
    }
}
