using Bifrost.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Bifrost.Ingestion.Services;

/// <summary>
/// Writes <see cref="ProvisioningLog"/> entries in batches with a binary COPY: one round trip per batch, off the request
/// path. A failed batch is retried (with back-off) before it is given up; on shutdown the queue is drained after the
/// web server has stopped taking requests.
/// </summary>
internal sealed class ProvisioningLogWriter(
    ProvisioningLog log,
    IServiceScopeFactory scopeFactory,
    IOptions<ProvisioningLogOptions> options,
    ILogger<ProvisioningLogWriter> logger) : BackgroundService
{
    private const int MaxAttempts = 5;

    private static readonly string s_copy =
        $"COPY {IngestionDbContext.Schema}.{Infrastructure.EntityConfigurations.ProvisioningLogEntryEntityTypeConfiguration.Table} " +
        "(occurred_at, provider_id, method, resource_type, operation, resource_id, outcome, status, scim_type, duration_ms, trace_id) FROM STDIN (FORMAT BINARY)";

    private readonly ProvisioningLogOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ProvisioningLogEntry>(_options.BatchSize);
        try
        {
            while (await log.Reader.WaitToReadAsync(stoppingToken))
            {
                // Let a batch fill for a moment: under load that turns many single-row writes into one COPY. Only a
                // backlog (full batches) is written without waiting again: what arrives while a batch is being written
                // waits for the next interval, or a steady load would be written as a COPY of a few rows per round trip.
                await Task.Delay(_options.FlushInterval, stoppingToken);
                await DrainAsync(batch, untilEmpty: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: fall through to the final drain.
        }

        log.Complete();
        using var drainTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await DrainAsync(batch, untilEmpty: true, drainTimeout.Token);
        }
        catch (OperationCanceledException)
        {
            IngestionLog.ProvisioningLogDropped(logger, batch.Count + log.Reader.Count);
        }
    }

    /// <summary>
    /// Writes what is queued, in batches of at most <see cref="ProvisioningLogOptions.BatchSize"/>: everything when
    /// <paramref name="untilEmpty"/> (shutdown), else until a batch comes out smaller than the batch size.
    /// </summary>
    private async Task DrainAsync(List<ProvisioningLogEntry> batch, bool untilEmpty, CancellationToken cancellationToken)
    {
        while (true)
        {
            batch.Clear();
            while (batch.Count < _options.BatchSize && log.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            if (batch.Count == 0)
            {
                return;
            }

            await WriteWithRetryAsync(batch, cancellationToken);
            if (!untilEmpty && batch.Count < _options.BatchSize)
            {
                return;
            }
        }
    }

    private async Task WriteWithRetryAsync(List<ProvisioningLogEntry> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteAsync(batch, cancellationToken);
                log.Written(batch.Count);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= MaxAttempts)
                {
                    IngestionLog.ProvisioningLogWriteFailed(logger, ex, batch.Count);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt)), cancellationToken);
            }
        }
    }

    /// <summary>Writes one batch; exposed to the tests through <see cref="ExecuteAsync"/> only.</summary>
    private async Task WriteAsync(List<ProvisioningLogEntry> batch, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var importer = await connection.BeginBinaryImportAsync(s_copy, cancellationToken);
            foreach (var entry in batch)
            {
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(entry.OccurredAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await WriteNullableAsync(importer, entry.ProviderId, NpgsqlDbType.Uuid, cancellationToken);
                await importer.WriteAsync(entry.Method, NpgsqlDbType.Varchar, cancellationToken);
                await importer.WriteAsync(entry.ResourceType, NpgsqlDbType.Varchar, cancellationToken);
                await importer.WriteAsync(entry.Operation, NpgsqlDbType.Varchar, cancellationToken);
                await WriteNullableAsync(importer, entry.ResourceId, NpgsqlDbType.Uuid, cancellationToken);
                await importer.WriteAsync(entry.Outcome, NpgsqlDbType.Varchar, cancellationToken);
                await importer.WriteAsync(entry.Status, NpgsqlDbType.Integer, cancellationToken);
                await WriteNullableAsync(importer, entry.ScimType, NpgsqlDbType.Varchar, cancellationToken);
                await importer.WriteAsync(entry.DurationMs, NpgsqlDbType.Double, cancellationToken);
                await WriteNullableAsync(importer, entry.TraceId, NpgsqlDbType.Varchar, cancellationToken);
            }

            await importer.CompleteAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type, CancellationToken cancellationToken) where T : struct =>
        value is { } v ? importer.WriteAsync(v, type, cancellationToken) : importer.WriteNullAsync(cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is not null ? importer.WriteAsync(value, type, cancellationToken) : importer.WriteNullAsync(cancellationToken);
}

/// <summary>Deletes entries older than <see cref="ProvisioningLogOptions.RetentionDays"/>, at start and then periodically.</summary>
internal sealed class ProvisioningLogPurger(
    IServiceScopeFactory scopeFactory,
    TimeProvider time,
    IOptions<ProvisioningLogOptions> options,
    ILogger<ProvisioningLogPurger> logger) : PeriodicPurger(time)
{
    protected override TimeSpan Interval => options.Value.PurgeInterval;

    protected override void OnFailed(Exception exception) => IngestionLog.ProvisioningLogPurgeFailed(logger, exception);

    public override async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = Time.GetUtcNow().AddDays(-options.Value.RetentionDays);
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestionDbContext>();
        var purged = await db.Set<ProvisioningLogEntry>().Where(e => e.OccurredAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (purged > 0)
        {
            IngestionLog.ProvisioningLogPurged(logger, purged, options.Value.RetentionDays);
        }

        return purged;
    }
}
