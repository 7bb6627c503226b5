using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Bifrost.EntraSimulator;

/// <summary>An answer from the SCIM endpoint: the final status and the JSON body, if any.</summary>
public sealed record ScimAnswer(int Status, JsonNode? Body)
{
    public bool IsSuccess => Status is >= 200 and <= 299;
}

/// <summary>
/// The HTTP side of the simulator: bearer token on every request, a requests-per-second cap, and 429 handled as Entra
/// is reported to do it (wait for <c>Retry-After</c>, then retry). Every attempt is timed and counted per kind.
/// </summary>
public sealed class ScimClient(HttpClient http, string token, SimulationStats stats, double rate, int maxAttempts)
{
    private static readonly MediaTypeHeaderValue ScimJson = new("application/scim+json") { CharSet = "utf-8" };
    private readonly Lock _pace = new();
    private readonly TimeSpan _interval = rate > 0 ? TimeSpan.FromSeconds(1 / rate) : TimeSpan.Zero;
    private long _nextSlot = Stopwatch.GetTimestamp();

    public Task<ScimAnswer> GetAsync(string kind, string path, CancellationToken cancellationToken) =>
        SendAsync(kind, HttpMethod.Get, path, null, cancellationToken);

    public Task<ScimAnswer> PostAsync(string kind, string path, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(kind, HttpMethod.Post, path, body, cancellationToken);

    public Task<ScimAnswer> PatchAsync(string kind, string path, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(kind, HttpMethod.Patch, path, body, cancellationToken);

    public async Task<ScimAnswer> SendAsync(string kind, HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var payload = body?.ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            await PaceAsync(cancellationToken);
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (payload is not null)
            {
                request.Content = new StringContent(payload, Encoding.UTF8);
                request.Content.Headers.ContentType = ScimJson;
            }

            var started = Stopwatch.GetTimestamp();
            int status;
            string text;
            TimeSpan? retryAfter;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                text = await response.Content.ReadAsStringAsync(cancellationToken);
                status = (int)response.StatusCode;
                retryAfter = RetryAfter(response);
            }
            catch (HttpRequestException)
            {
                stats.Record(kind, Stopwatch.GetElapsedTime(started));
                stats.RecordError(0);
                return new ScimAnswer(0, null);
            }

            stats.Record(kind, Stopwatch.GetElapsedTime(started));
            if (status == (int)HttpStatusCode.TooManyRequests && attempt < maxAttempts)
            {
                stats.RecordThrottled();
                await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            if (status is < 200 or > 299 && !(status == 404 && method == HttpMethod.Get))
            {
                stats.RecordError(status);
            }

            return new ScimAnswer(status, Parse(text));
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero : null;
    }

    private static JsonNode? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Takes the next free send slot (one per 1/rate seconds) and waits for it.</summary>
    private async Task PaceAsync(CancellationToken cancellationToken)
    {
        if (_interval == TimeSpan.Zero)
        {
            return;
        }

        long slot;
        lock (_pace)
        {
            var now = Stopwatch.GetTimestamp();
            slot = Math.Max(now, _nextSlot);
            _nextSlot = slot + (long)(_interval.TotalSeconds * Stopwatch.Frequency);
        }

        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), slot);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }
}
