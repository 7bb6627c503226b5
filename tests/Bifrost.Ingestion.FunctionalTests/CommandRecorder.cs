using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>A query ingestion ran: its SQL and a copy of its parameters.</summary>
public sealed record RecordedCommand(string Text, IReadOnlyList<NpgsqlParameter> Parameters);

/// <summary>Records every query ingestion's DbContext runs (installed by <see cref="IngestionApiFixture"/>).</summary>
public sealed class CommandRecorder : DbCommandInterceptor
{
    private readonly ConcurrentQueue<RecordedCommand> _commands = new();

    public void Clear() => _commands.Clear();

    public IReadOnlyList<string> Texts() => [.. _commands.Select(c => c.Text)];

    public IReadOnlyList<RecordedCommand> Commands() => [.. _commands];

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    private void Record(DbCommand command) =>
        _commands.Enqueue(new RecordedCommand(command.CommandText, [.. command.Parameters.OfType<NpgsqlParameter>().Select(p => p.Clone())]));
}
