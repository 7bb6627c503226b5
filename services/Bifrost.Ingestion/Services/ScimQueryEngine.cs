using System.Globalization;
using System.Linq.Expressions;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Runs SCIM queries for one resource type. The filter's indexed part becomes SQL
/// (<see cref="ScimFilterTranslator{T}"/>); when that is exact and the sort is on a column, the database pages and
/// counts. Otherwise the provider's candidate rows are streamed (at most <see cref="ScimOptions.MaxFilterScan"/>,
/// else 400 <c>tooMany</c>), checked with <see cref="ScimFilterEvaluator"/> in batches, sorted in memory when the
/// sort key is not a column, and the page is loaded by id.
/// </summary>
internal abstract class ScimQueryEngine<TEntity>(IngestionDbContext db, ScimOptions options) where TEntity : class
{
    private const int EvaluationBatch = 500;

    protected IngestionDbContext Db => db;

    public abstract ScimSchema Schema { get; }

    public abstract string Endpoint { get; }

    public abstract string ResourceType { get; }

    /// <summary>The provider's rows, untracked.</summary>
    protected abstract IQueryable<TEntity> Scope(Guid provider);

    protected abstract ScimFilterTranslator<TEntity> CreateTranslator(Guid provider);

    protected abstract Expression<Func<TEntity, ScimRow>> Projection { get; }

    protected abstract Expression<Func<TEntity, Guid>> IdOf { get; }

    /// <summary>The order of unsorted queries: a unique indexed key, so that pages are stable.</summary>
    protected abstract IOrderedQueryable<TEntity> DefaultOrder(IQueryable<TEntity> query);

    /// <summary>An ORDER BY on a column for <paramref name="sortBy"/>, or null when the attribute has none.</summary>
    protected abstract IOrderedQueryable<TEntity>? ColumnOrder(IQueryable<TEntity> query, ScimAttributePath sortBy, bool descending);

    /// <summary>Adds relation attributes (a user's <c>groups</c>, a group's <c>members</c>) that a filter needs to be evaluated.</summary>
    public abstract Task AddRelationsAsync(Guid provider, IReadOnlyList<(Guid Id, JsonObject Resource)> resources, string baseUrl, CancellationToken cancellationToken);

    /// <summary>The relation attribute the evaluator can only see after <see cref="AddRelationsAsync"/>.</summary>
    public abstract string RelationAttribute { get; }

    /// <summary>The provider's rows matching the SQL part of <paramref name="filter"/>; <c>Exact</c> when no evaluation is left.</summary>
    public (IQueryable<TEntity> Query, bool Exact) Build(Guid provider, ScimFilter? filter)
    {
        var query = Scope(provider);
        if (filter is null)
        {
            return (query, true);
        }

        var translated = CreateTranslator(provider).Translate(filter);
        return (translated.Predicate is null ? query : query.Where(translated.Predicate), translated.Exact);
    }

    /// <summary>The ordered query whose page SQL the endpoint runs (exposed for the index-usage tests).</summary>
    public IQueryable<ScimRow> PageQuery(Guid provider, ScimFilter? filter, int startIndex = 1, int count = 10)
    {
        var (query, _) = Build(provider, filter);
        return DefaultOrder(query).Skip(startIndex - 1).Take(count).Select(Projection);
    }

    public async Task<ScimPage> ListAsync(Guid provider, ScimListRequest request, CancellationToken cancellationToken)
    {
        var (query, exact) = Build(provider, request.Filter);
        var ordered = request.SortBy is null ? DefaultOrder(query) : ColumnOrder(query, request.SortBy, request.Descending);
        if (exact && ordered is not null)
        {
            return await PageInDatabaseAsync(query, ordered, request, cancellationToken);
        }

        return await PageInMemoryAsync(provider, ordered ?? DefaultOrder(query), exact ? null : request.Filter, request, cancellationToken);
    }

    private async Task<ScimPage> PageInDatabaseAsync(IQueryable<TEntity> query, IOrderedQueryable<TEntity> ordered, ScimListRequest request, CancellationToken cancellationToken)
    {
        var rows = request.Count == 0
            ? []
            : await ordered.Skip(request.StartIndex - 1).Take(request.Count).Select(Projection).ToListAsync(cancellationToken);
        int total;
        if (rows.Count > 0 && rows.Count < request.Count)
        {
            total = request.StartIndex - 1 + rows.Count; // the last page: no need to count
        }
        else if (rows.Count == 0 && request.StartIndex == 1 && request.Count > 0)
        {
            total = 0;
        }
        else
        {
            total = await query.CountAsync(cancellationToken);
        }

        return new ScimPage(rows, total);
    }

    private async Task<ScimPage> PageInMemoryAsync(Guid provider, IOrderedQueryable<TEntity> candidates, ScimFilter? filter, ScimListRequest request, CancellationToken cancellationToken)
    {
        var sortInMemory = request.SortBy is not null && ColumnOrder(candidates, request.SortBy, request.Descending) is null;
        var sortBy = sortInMemory ? request.SortBy : null;
        var matches = new List<(Guid Id, string? SortValue)>();
        var batch = new List<(Guid Id, JsonObject Resource)>(EvaluationBatch);
        var limit = options.MaxFilterScan;

        if (filter is not null && Mentions(filter, RelationAttribute))
        {
            // The relation is read per batch, and Npgsql runs one command at a time: list the candidate ids first.
            var ids = await candidates.Select(IdOf).Take(limit + 1).ToListAsync(cancellationToken);
            ThrowIfTooMany(ids.Count, limit);
            foreach (var chunk in ids.Chunk(EvaluationBatch))
            {
                var rows = (await LoadAsync(provider, chunk, cancellationToken)).ToDictionary(r => r.Id);
                batch.AddRange(chunk.Where(rows.ContainsKey).Select(id => (id, ToScim(rows[id], clone: false, baseUrl: ""))));
                await AddRelationsAsync(provider, batch, "", cancellationToken);
                Evaluate(batch, filter, sortBy, matches);
            }
        }
        else
        {
            var scanned = 0;
            await foreach (var row in candidates.Select(Projection).Take(limit + 1).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                ThrowIfTooMany(++scanned, limit);
                batch.Add((row.Id, ToScim(row, clone: false, baseUrl: "")));
                if (batch.Count == EvaluationBatch)
                {
                    Evaluate(batch, filter, sortBy, matches);
                }
            }

            Evaluate(batch, filter, sortBy, matches);
        }

        if (sortBy is not null)
        {
            var comparer = new ScimSortComparer(Schema, sortBy);
            var sorted = matches.Select((m, index) => (m.Id, m.SortValue, index)).ToList();
            sorted.Sort((a, b) =>
            {
                var result = comparer.Compare(a.SortValue, b.SortValue, request.Descending);
                return result != 0 ? result : a.index.CompareTo(b.index);
            });
            matches = [.. sorted.Select(s => (s.Id, s.SortValue))];
        }

        var pageIds = matches.Skip(request.StartIndex - 1).Take(request.Count).Select(m => m.Id).ToList();
        if (pageIds.Count == 0)
        {
            return new ScimPage([], matches.Count);
        }

        var loaded = (await LoadAsync(provider, pageIds, cancellationToken)).ToDictionary(r => r.Id);
        return new ScimPage([.. pageIds.Where(loaded.ContainsKey).Select(id => loaded[id])], matches.Count);
    }

    private static void ThrowIfTooMany(int scanned, int limit)
    {
        if (scanned > limit)
        {
            throw new ScimException(HttpStatusCode.BadRequest,
                $"The filter needs more than {limit} resources examined; narrow it with an indexed attribute (id, userName, externalId, displayName, e-mail).",
                ScimErrorType.TooMany);
        }
    }

    private void Evaluate(List<(Guid Id, JsonObject Resource)> batch, ScimFilter? filter, ScimAttributePath? sortBy, List<(Guid Id, string? SortValue)> matches)
    {
        foreach (var (id, resource) in batch)
        {
            if (filter is null || ScimFilterEvaluator.Matches(resource, filter, Schema))
            {
                matches.Add((id, sortBy is null ? null : ScimResource.GetString(resource, Schema, sortBy.ToString())));
            }
        }

        batch.Clear();
    }

    /// <summary>Rows by id, in no particular order.</summary>
    public Task<List<ScimRow>> LoadAsync(Guid provider, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var idList = ids as Guid[] ?? [.. ids];
        Expression<Func<Guid[]>> captured = () => idList; // a query parameter (= ANY(@ids)), not inlined constants
        var parameter = IdOf.Parameters[0];
        var contains = Expression.Lambda<Func<TEntity, bool>>(
            Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(Guid)], captured.Body, IdOf.Body),
            parameter);
        return Scope(provider).Where(contains).Select(Projection).ToListAsync(cancellationToken);
    }

    /// <summary>The SCIM representation of a row (without relation attributes).</summary>
    public JsonObject ToScim(ScimRow row, bool clone, string baseUrl) =>
        ScimResourceJson.Build(row.Resource, clone, Schema.Id, row.Id, ResourceType, row.CreatedAt, row.LastModifiedAt, row.Version, $"{baseUrl}/{Endpoint}/{row.Id}");

    /// <summary>Whether a filter names <paramref name="attribute"/> at the top level (so the evaluator needs it).</summary>
    public static bool Mentions(ScimFilter filter, string attribute) => filter switch
    {
        ScimLogicalFilter logical => Mentions(logical.Left, attribute) || Mentions(logical.Right, attribute),
        ScimNotFilter not => Mentions(not.Filter, attribute),
        ScimComparisonFilter c => c.Path.AttributeName.Equals(attribute, StringComparison.OrdinalIgnoreCase),
        ScimPresentFilter p => p.Path.AttributeName.Equals(attribute, StringComparison.OrdinalIgnoreCase),
        ScimValuePathFilter v => v.Path.AttributeName.Equals(attribute, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}

/// <summary>
/// Orders sort values the way RFC 7644 §3.4.2.3 asks: by the attribute's type (numbers, dateTimes, booleans by value;
/// strings case-insensitively unless caseExact), missing values last when ascending and first when descending.
/// </summary>
internal sealed class ScimSortComparer(ScimSchema schema, ScimAttributePath sortBy)
{
    private readonly ScimAttribute? _attribute = Resolve(schema, sortBy);

    private static ScimAttribute? Resolve(ScimSchema schema, ScimAttributePath path)
    {
        try
        {
            var reference = schema.ResolveAttribute(path);
            return reference?.SubAttribute ?? reference?.Attribute;
        }
        catch (ScimException)
        {
            return null;
        }
    }

    public int Compare(string? x, string? y, bool descending)
    {
        if (x is null || y is null)
        {
            // nulls last ascending; descending is the exact reverse
            var nulls = x is null ? (y is null ? 0 : 1) : -1;
            return descending ? -nulls : nulls;
        }

        var result = _attribute?.Type switch
        {
            ScimAttributeType.Integer or ScimAttributeType.Decimal when decimal.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                && decimal.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) => a.CompareTo(b),
            ScimAttributeType.DateTime when DateTimeOffset.TryParse(x, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var a)
                && DateTimeOffset.TryParse(y, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var b) => a.CompareTo(b),
            _ => string.Compare(x, y, _attribute?.CaseExact == true ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase),
        };
        return descending ? -result : result;
    }
}
