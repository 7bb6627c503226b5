using System.Text.Json.Nodes;
using Npgsql;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>The plan PostgreSQL chooses for a query ingestion ran: <c>EXPLAIN</c> of its SQL with the same parameters.</summary>
public static class QueryPlans
{
    /// <summary>Every node of the plan of <paramref name="command"/> (node type, relation, index).</summary>
    public static async Task<List<JsonNode>> ExplainAsync(string connectionString, RecordedCommand command, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN (FORMAT JSON) " + command.Text;
        foreach (var parameter in command.Parameters)
        {
            explain.Parameters.Add(parameter.Clone());
        }

        var plan = JsonNode.Parse((string)(await explain.ExecuteScalarAsync(cancellationToken))!)!;
        return [.. Nodes(plan[0]!["Plan"]!)];
    }

    public static bool IsSeqScanOf(JsonNode node, params string[] tables) =>
        node["Node Type"]!.GetValue<string>() == "Seq Scan" && tables.Contains(node["Relation Name"]?.GetValue<string>());

    /// <summary>The index a scan node reads, or null for any other node.</summary>
    public static string? IndexName(JsonNode node) =>
        node["Node Type"]!.GetValue<string>() is "Index Scan" or "Index Only Scan" or "Bitmap Index Scan" ? node["Index Name"]!.GetValue<string>() : null;

    private static IEnumerable<JsonNode> Nodes(JsonNode plan)
    {
        yield return plan;
        foreach (var child in plan["Plans"]?.AsArray() ?? [])
        {
            foreach (var node in Nodes(child!))
            {
                yield return node;
            }
        }
    }
}
