using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Entra's matching query (<c>GET /Users?filter=userName eq "…"</c>) read in batches, as writes are committed in batches
/// (<see cref="ScimBatcher{TRequest, TResult}"/>): the lookups that arrive while earlier ones are being read are then
/// read together, by one query on the unique userName index (<c>= ANY(@keys)</c>), groups included. A lone lookup is
/// read at once. Each lookup still reads after its request arrived, so it sees every write answered before.
/// </summary>
internal sealed class ScimUserLookupBatcher(IServiceScopeFactory scopeFactory, IOptions<ScimOptions> options)
    : ScimBatcher<ScimUserLookupBatcher.Lookup, List<ScimUserRead>>(options.Value.LookupBatchSize, options.Value.LookupBatchReaders)
{
    protected override string ActivityName => "scim user lookup batch";

    /// <summary>The provider's users whose userName folds to <paramref name="userNameKey"/> (none or one), with their groups.</summary>
    public Task<List<ScimUserRead>> FindAsync(Guid provider, string userNameKey, CancellationToken cancellationToken) =>
        EnqueueAsync(new Lookup(provider, userNameKey), cancellationToken);

    protected override async Task RunBatchAsync(IReadOnlyList<Pending> batch)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        foreach (var provider in batch.GroupBy(p => p.Request.Provider))
        {
            var keys = provider.Select(p => p.Request.UserNameKey).Distinct(StringComparer.Ordinal).ToArray();
            var found = new Dictionary<string, List<ScimUserRead>>(keys.Length, StringComparer.Ordinal);
            await foreach (var row in ScimUserQueries.FindByUserNameKeys(db, provider.Key, keys))
            {
                if (!found.TryGetValue(row.UserNameKey, out var reads))
                {
                    found[row.UserNameKey] = reads = new List<ScimUserRead>(1);
                }

                reads.Add(row.Read);
            }

            // The answer is rendered from the row's resource in place: a second lookup of the same name gets a copy.
            // Every copy is made before any lookup is answered: an answered lookup renders (moves the row's nodes) on
            // another thread at once, and a copy taken meanwhile could miss attributes.
            var answered = new HashSet<string>(StringComparer.Ordinal);
            var answers = new List<(Pending Pending, List<ScimUserRead> Reads)>();
            foreach (var pending in provider)
            {
                var reads = found.TryGetValue(pending.Request.UserNameKey, out var r) ? r : [];
                answers.Add((pending, answered.Add(pending.Request.UserNameKey) ? reads : [.. reads.Select(Copy)]));
            }

            foreach (var (pending, reads) in answers)
            {
                pending.Completion.TrySetResult(reads);
            }
        }
    }

    private static ScimUserRead Copy(ScimUserRead read) =>
        read with { Row = read.Row with { Resource = (JsonObject)read.Row.Resource.DeepClone() }, Groups = [.. read.Groups] };

    internal sealed record Lookup(Guid Provider, string UserNameKey);
}
