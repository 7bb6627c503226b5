using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bifrost.EndToEndTests.Conformance;

/// <summary>
/// Runs a Runscope export (Okta's "SCIM 2.0 SPEC Test") the way Runscope does: requests in order, <c>{{variables}}</c>
/// substituted, variables extracted from JSON responses, every assertion evaluated, post-request scripts run with
/// Node.js (<c>response.body</c>, <c>assert</c>, <c>log</c>). The export file is read as it is, never modified.
/// </summary>
internal sealed partial class RunscopeSuite(HttpClient client, Dictionary<string, string> variables)
{
    public sealed record Outcome(string Step, string Check, bool Passed, string Detail);

    public List<Outcome> Outcomes { get; } = [];

    public async Task RunAsync(string exportPath, CancellationToken cancellationToken)
    {
        var export = JsonNode.Parse(await File.ReadAllTextAsync(exportPath, cancellationToken))!.AsObject();
        foreach (var step in export["steps"]!.AsArray().OfType<JsonObject>())
        {
            if (step["step_type"]?.GetValue<string>() == "request")
            {
                await RunStepAsync(step, cancellationToken);
            }
        }
    }

    private async Task RunStepAsync(JsonObject step, CancellationToken cancellationToken)
    {
        var method = new HttpMethod(step["method"]!.GetValue<string>());
        var url = Substitute(step["url"]!.GetValue<string>());
        var name = $"{method} {url}";
        var request = new HttpRequestMessage(method, url);
        var body = step["body"]?.GetValue<string>();
        string? contentType = null;
        foreach (var (header, value) in step["headers"]?.AsObject() ?? [])
        {
            var text = Substitute(value is JsonArray array ? string.Join(",", array.Select(v => v!.GetValue<string>())) : value!.GetValue<string>());
            if (header.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = text;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(header, text);
            }
        }

        if (!string.IsNullOrEmpty(body))
        {
            request.Content = new StringContent(Substitute(body), Encoding.UTF8);
            request.Content.Headers.Remove("Content-Type");
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType ?? "application/json");
        }

        var watch = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, cancellationToken);
        var responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
        watch.Stop();
        JsonNode? json = null;
        try
        {
            json = responseBody.Length > 0 ? JsonNode.Parse(responseBody) : null;
        }
        catch (JsonException)
        {
            // assertions on JSON fail below
        }

        foreach (var assertion in step["assertions"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            Outcomes.Add(Evaluate(name, assertion, (int)response.StatusCode, json, watch.ElapsedMilliseconds));
        }

        foreach (var variable in step["variables"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if (Select(json, variable["property"]!.GetValue<string>()) is { } value)
            {
                variables[variable["name"]!.GetValue<string>()] = Text(value);
            }
        }

        foreach (var script in step["scripts"]?.AsArray().Select(s => s!.GetValue<string>()) ?? [])
        {
            Outcomes.Add(await RunScriptAsync(name, script, responseBody, cancellationToken));
        }
    }

    private Outcome Evaluate(string step, JsonObject assertion, int status, JsonNode? json, long elapsedMs)
    {
        var source = assertion["source"]!.GetValue<string>();
        var comparison = assertion["comparison"]!.GetValue<string>();
        var property = assertion["property"]?.GetValue<string>();
        var expected = assertion["value"] is JsonValue v ? Substitute(v.ToString()) : null;
        var check = $"{source} {property} {comparison} {expected}".Replace("  ", " ", StringComparison.Ordinal).Trim();

        JsonNode? actual = source switch
        {
            "response_status" => JsonValue.Create(status),
            "response_time" => JsonValue.Create(elapsedMs),
            "response_json" => Select(json, property ?? ""),
            _ => null,
        };
        var actualText = actual is null ? "(absent)" : Text(actual);
        var passed = comparison switch
        {
            "equal_number" => decimal.TryParse(actualText, CultureInfo.InvariantCulture, out var a) && a == decimal.Parse(expected!, CultureInfo.InvariantCulture),
            "equal" => string.Equals(actualText, expected, StringComparison.Ordinal),
            "not_empty" => actual is not null && actualText.Length > 0 && actual is not JsonArray { Count: 0 } && actual is not JsonObject { Count: 0 },
            // With a value: the array holds it. Without one (Okta's `Resources[0].emails.value`): there is a value.
            "has_value" => expected is null
                ? actual is JsonArray { Count: > 0 } or JsonValue
                : actual is JsonArray array && array.Any(e => e is not null && Text(e) == expected),
            "contains" => actualText.Contains(expected ?? "", StringComparison.Ordinal),
            "is_a_number" => actual is JsonValue number && number.GetValueKind() == JsonValueKind.Number,
            "is_less_than" => decimal.TryParse(actualText, CultureInfo.InvariantCulture, out var l) && l < decimal.Parse(expected!, CultureInfo.InvariantCulture),
            _ => false,
        };
        return new Outcome(step, check, passed, $"actual {actualText}");
    }

    /// <summary>
    /// Runscope property paths: <c>name.familyName</c>, <c>Resources[0].id</c>; a name applied to an array maps over its
    /// elements (<c>emails.value</c> = every e-mail's value), as JSONPath does.
    /// </summary>
    private static JsonNode? Select(JsonNode? node, string path)
    {
        foreach (Match part in PathPart().Matches(path))
        {
            var name = part.Groups["name"].Value;
            node = part.Groups["index"].Success
                ? node is JsonArray array && int.Parse(part.Groups["index"].Value, CultureInfo.InvariantCulture) is var i && i < array.Count ? array[i] : null
                : node switch
                {
                    JsonObject obj => obj[name],
                    JsonArray items => new JsonArray([.. items.OfType<JsonObject>().Select(o => o[name]?.DeepClone()).Where(v => v is not null)]),
                    _ => null,
                };
        }

        return node;
    }

    private static string Text(JsonNode node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String
        ? value.GetValue<string>()
        : node.ToJsonString();

    private string Substitute(string text) => Variable().Replace(text, m => variables.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    private static async Task<Outcome> RunScriptAsync(string step, string script, string responseBody, CancellationToken cancellationToken)
    {
        var harness = $$"""
            const assert = require('assert');
            const response = { body: require('fs').readFileSync(0, 'utf8') };
            const log = () => {};
            {{script}}
            """;
        var start = new ProcessStartInfo("node", ["-e", harness])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var node = Process.Start(start)!;
        await node.StandardInput.WriteAsync(responseBody);
        node.StandardInput.Close();
        var error = await node.StandardError.ReadToEndAsync(cancellationToken);
        await node.WaitForExitAsync(cancellationToken);
        return new Outcome(step, "script", node.ExitCode == 0, error.Split('\n').FirstOrDefault(l => l.Contains("Error", StringComparison.Ordinal)) ?? "");
    }

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Variable();

    [GeneratedRegex(@"(?<name>[^.\[\]]+)|\[(?<index>\d+)\]")]
    private static partial Regex PathPart();
}
