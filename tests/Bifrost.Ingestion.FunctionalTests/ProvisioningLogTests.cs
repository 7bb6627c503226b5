using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bifrost.Ingestion.Model;
using Bifrost.Ingestion.Services;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>
/// The provisioning log (decision i): every SCIM request ingestion answers becomes one row, written in batches off the
/// request path, and <c>GET /api/provisioning-log</c> filters and pages it. Each test uses a provider of its own.
/// </summary>
public sealed class ProvisioningLogTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Created_user_is_logged_with_its_id_status_duration_and_trace_id_and_no_personal_data()
    {
        var provider = Guid.NewGuid();
        var client = fixture.CreateScimClient(provider);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var userName = UniqueName("logged");

        var created = await client.PostScimAsync("/scim/v2/Users",
            $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{userName}}","displayName":"Secret Name"}""",
            r => r.Headers.Add("traceparent", $"00-{traceId}-0123456789abcdef-01"));
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var page = await WaitForEntriesAsync($"providerId={provider}", 1);
        var entry = Assert.Single(page);
        Assert.Equal(provider, entry["providerId"]!.GetValue<Guid>());
        Assert.Equal("POST", entry["method"]!.GetValue<string>());
        Assert.Equal("User", entry["resourceType"]!.GetValue<string>());
        Assert.Equal("create", entry["operation"]!.GetValue<string>());
        Assert.Equal(created.Guid, entry["resourceId"]!.GetValue<Guid>());
        Assert.Equal("success", entry["outcome"]!.GetValue<string>());
        Assert.Equal(201, entry["status"]!.GetValue<int>());
        Assert.Null(entry["scimType"]);
        Assert.True(entry["durationMs"]!.GetValue<double>() > 0);
        Assert.Equal(traceId, entry["traceId"]!.GetValue<string>());
        var occurredAt = entry["occurredAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(occurredAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        // The row itself holds no name, e-mail or body: nothing the client sent but ids.
        var row = await fixture.WithDbAsync(db => db.Set<ProvisioningLogEntry>().AsNoTracking().SingleAsync(e => e.ProviderId == provider, Ct));
        var text = string.Join("|", row.Method, row.ResourceType, row.Operation, row.Outcome, row.ScimType, row.TraceId, row.ResourceId);
        Assert.DoesNotContain(userName, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Secret", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Failures_are_logged_with_status_and_scimType_and_only_guid_path_ids()
    {
        var provider = Guid.NewGuid();
        var client = fixture.CreateScimClient(provider);
        var userName = UniqueName("dup");
        var id = await client.CreateUserAsync(userName);
        var missing = Guid.NewGuid();

        (await client.PostScimAsync("/scim/v2/Users", $$"""{"userName":"{{userName}}"}""")).AssertError(HttpStatusCode.Conflict, "uniqueness");
        (await client.GetScimAsync($"/scim/v2/Users?filter={Query("userName zz \"x\"")}")).AssertError(HttpStatusCode.BadRequest, "invalidFilter");
        (await client.GetScimAsync($"/scim/v2/Groups/{missing}")).AssertError(HttpStatusCode.NotFound);
        (await client.GetScimAsync($"/scim/v2/Users/{Uri.EscapeDataString(userName)}")).AssertError(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await client.GetScimAsync("/scim/v2/ServiceProviderConfig")).Status);

        var failures = await WaitForEntriesAsync($"providerId={provider}&outcome=failure", 4);
        Assert.All(failures, e => Assert.Equal("failure", e["outcome"]!.GetValue<string>()));
        var conflict = Assert.Single(failures, e => e["status"]!.GetValue<int>() == 409);
        Assert.Equal("uniqueness", conflict["scimType"]!.GetValue<string>());
        Assert.Null(conflict["resourceId"]);
        var badFilter = Assert.Single(failures, e => e["status"]!.GetValue<int>() == 400);
        Assert.Equal("invalidFilter", badFilter["scimType"]!.GetValue<string>());
        Assert.Equal("list", badFilter["operation"]!.GetValue<string>());
        var notFound = failures.Where(e => e["status"]!.GetValue<int>() == 404).ToList();
        Assert.Equal(2, notFound.Count);
        Assert.Contains(notFound, e => e["resourceType"]!.GetValue<string>() == "Group" && e["resourceId"]!.GetValue<Guid>() == missing);
        // A path that is not an id (here a user name) is not recorded.
        Assert.Contains(notFound, e => e["resourceType"]!.GetValue<string>() == "User" && e["resourceId"] is null);

        var discovery = await GetPageAsync($"providerId={provider}&resourceType=discovery");
        Assert.Equal(200, Assert.Single(discovery.Items)["status"]!.GetValue<int>());
        var byResource = await GetPageAsync($"resourceId={id}");
        Assert.Equal("create", Assert.Single(byResource.Items)["operation"]!.GetValue<string>());
        var byStatusAndMethod = await GetPageAsync($"providerId={provider}&status=404&method=get");
        Assert.Equal(2, byStatusAndMethod.Items.Count);
    }

    [Fact]
    public async Task A_steady_stream_of_requests_is_written_in_a_few_large_batches_and_every_entry_is_kept()
    {
        var provider = Guid.NewGuid();
        var client = fixture.CreateScimClient(provider);
        using var batches = new MetricCollector<int>(fixture.Services.GetRequiredService<IMeterFactory>(), "Bifrost.Ingestion", "bifrost.provisioning_log.batch.size");

        // Four clients without pause for two seconds: a request is always being answered while the writer writes.
        var sent = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, 4, Ct, async (_, _) =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(2))
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetScimAsync("/scim/v2/ServiceProviderConfig")).Status);
                Interlocked.Increment(ref sent);
            }
        });

        var written = await Eventually.WaitAsync(() => fixture.WithDbAsync(db => db.Set<ProvisioningLogEntry>().CountAsync(e => e.ProviderId == provider, Ct)),
            n => n >= sent, TimeSpan.FromSeconds(15), $"{sent} entries are written");
        Assert.Equal(sent, written);
        Assert.True(sent >= 100, $"only {sent} requests in two seconds");

        // Full batches (1,000 entries) are written at once; otherwise one COPY per flush interval (250 ms) while requests
        // keep coming: about eight for two seconds, plus the last. Writing whatever arrived during the previous COPY at
        // once used to give a COPY of a few entries per round trip.
        await Eventually.WaitAsync(() => Task.FromResult(batches.GetMeasurementSnapshot().Sum(m => m.Value)), n => n >= sent, TimeSpan.FromSeconds(5),
            "the written batches are counted");
        var counted = batches.GetMeasurementSnapshot();
        var most = (sent + 999) / 1000 + 8 + 4;
        Assert.True(counted.Count >= 1 && counted.Count <= most, $"{sent} entries were written in {counted.Count} batches (at most {most} expected): {string.Join(", ", counted.Select(m => m.Value))}");
    }

    [Fact]
    public async Task Pages_are_newest_first_and_the_cursor_walks_every_entry_once()
    {
        var provider = Guid.NewGuid();
        var client = fixture.CreateScimClient(provider);
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(Guid.Parse(await client.CreateGroupAsync($"page-{i}-{Guid.NewGuid():N}")));
        }

        await WaitForEntriesAsync($"providerId={provider}", 7);
        var seen = new List<JsonObject>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetPageAsync($"providerId={provider}&limit=3" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Select(e => e["id"]!.GetValue<long>()).Distinct().Count());
        // Newest first: the groups in reverse order of creation.
        Assert.Equal(Enumerable.Reverse(ids), seen.Select(e => e["resourceId"]!.GetValue<Guid>()));
        var times = seen.Select(e => e["occurredAt"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);

        var window = await GetPageAsync($"providerId={provider}&from={Uri.EscapeDataString(times[4].ToString("O"))}&to={Uri.EscapeDataString(times[2].ToString("O"))}");
        Assert.Equal(seen.Skip(2).Take(3).Select(e => e["id"]!.GetValue<long>()), window.Items.Select(e => e["id"]!.GetValue<long>()));
        Assert.Null(window.NextCursor);
    }

    [Theory]
    [InlineData("providerId=nope", "providerId")]
    [InlineData("resourceId=12", "resourceId")]
    [InlineData("outcome=maybe", "outcome")]
    [InlineData("status=abc", "status")]
    [InlineData("status=99", "status")]
    [InlineData("method=G%20T", "method")]
    [InlineData("resourceType=Users2", "resourceType")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-11-29T10:00:00Z&to=2026-11-28T10:00:00Z", "to")]
    [InlineData("traceId=xyz", "traceId")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=%21%21", "cursor")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor")]
    public async Task Bad_parameter_returns_400_ValidationProblem_naming_it(string query, string parameter)
    {
        var response = await fixture.CreateClient().GetAsync($"/api/provisioning-log?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.NotNull(problem!["errors"]![parameter]);
    }

    [Fact]
    public async Task Failures_are_paged_from_their_own_partial_indexes_in_a_log_of_successes()
    {
        // 60,000 entries of the last day, one in 1,999 a failure (30), shared between this test's provider and another.
        _ = fixture.Server; // start the host (it migrates the database) before writing to its table
        var provider = Guid.NewGuid();
        await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var seed = connection.CreateCommand();
            seed.CommandText = """
                INSERT INTO ingestion.provisioning_log (occurred_at, provider_id, method, resource_type, operation, outcome, status, duration_ms)
                SELECT now() - make_interval(secs => i), CASE WHEN i % 2 = 0 THEN @provider ELSE @other END, 'GET', 'User', 'list',
                       CASE WHEN i % 1999 = 0 THEN 'failure' ELSE 'success' END, CASE WHEN i % 1999 = 0 THEN 409 ELSE 200 END, 1
                FROM generate_series(1, 60000) AS i;
                ANALYZE ingestion.provisioning_log;
                """;
            seed.Parameters.AddWithValue("provider", provider);
            seed.Parameters.AddWithValue("other", Guid.NewGuid());
            await seed.ExecuteNonQueryAsync(Ct);
        }

        fixture.Commands.Clear();
        var providerFailures = await GetPageAsync($"providerId={provider}&outcome=failure&limit=500");
        var commands = fixture.Commands.Commands().Where(c => c.Text.Contains("provisioning_log", StringComparison.Ordinal)).ToList();
        fixture.Commands.Clear();
        var failures = await GetPageAsync("outcome=failure&limit=20");
        commands.AddRange(fixture.Commands.Commands().Where(c => c.Text.Contains("provisioning_log", StringComparison.Ordinal)));

        Assert.Equal(15, providerFailures.Items.Count);
        Assert.All(providerFailures.Items, e => Assert.Equal(("failure", 409), (e["outcome"]!.GetValue<string>(), e["status"]!.GetValue<int>())));
        Assert.Equal(20, failures.Items.Count);
        Assert.All(failures.Items, e => Assert.Equal("failure", e["outcome"]!.GetValue<string>()));
        var times = failures.Items.Select(e => e["occurredAt"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.OrderDescending(), times);

        // A success never touches these indexes; a page of failures reads them rather than every success of the day. The
        // condition is in the SQL itself, not a parameter: the plan a prepared statement keeps (made without the
        // parameters' values) can use a partial index only then.
        Assert.Equal(2, commands.Count);
        Assert.All(commands, c => Assert.Contains("outcome = 'failure'", c.Text, StringComparison.Ordinal));
        var plans = new List<List<JsonNode>>();
        foreach (var command in commands)
        {
            plans.Add(await QueryPlans.ExplainAsync(fixture.ConnectionString, command, Ct));
        }

        Assert.All(plans, nodes => Assert.DoesNotContain(nodes, n => QueryPlans.IsSeqScanOf(n, "provisioning_log")));
        Assert.Contains("IX_provisioning_log_provider_failures", plans[0].Select(QueryPlans.IndexName));
        Assert.Contains("IX_provisioning_log_failures", plans[1].Select(QueryPlans.IndexName));
    }

    [Fact]
    public async Task Purge_removes_entries_older_than_the_retention_and_keeps_newer_ones()
    {
        var provider = Guid.NewGuid();
        await fixture.WithDbAsync(async db =>
        {
            db.Set<ProvisioningLogEntry>().AddRange(
                Entry(provider, DateTimeOffset.UtcNow.AddDays(-31)),
                Entry(provider, DateTimeOffset.UtcNow.AddDays(-29)));
            return await db.SaveChangesAsync(Ct);
        });

        var purged = await fixture.Services.GetRequiredService<ProvisioningLogPurger>().PurgeAsync(Ct);

        Assert.True(purged >= 1);
        var left = await fixture.WithDbAsync(db => db.Set<ProvisioningLogEntry>().AsNoTracking().Where(e => e.ProviderId == provider).ToListAsync(Ct));
        var kept = Assert.Single(left);
        Assert.True(kept.OccurredAt > DateTimeOffset.UtcNow.AddDays(-30));
    }

    private static ProvisioningLogEntry Entry(Guid provider, DateTimeOffset at) => new()
    {
        OccurredAt = at, ProviderId = provider, Method = "GET", ResourceType = "User", Operation = "list",
        Outcome = "success", Status = 200, DurationMs = 1,
    };

    private sealed record Page(List<JsonObject> Items, string? NextCursor);

    private async Task<Page> GetPageAsync(string query)
    {
        var response = await fixture.CreateClient().GetAsync($"/api/provisioning-log?{query}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        return new Page([.. body["items"]!.AsArray().Select(e => e!.AsObject())], body["nextCursor"]?.GetValue<string>());
    }

    /// <summary>Entries are written in batches a moment after the request: wait until <paramref name="count"/> are there.</summary>
    private async Task<List<JsonObject>> WaitForEntriesAsync(string query, int count)
    {
        var page = await Eventually.WaitAsync(() => GetPageAsync($"{query}&limit=500"), p => p.Items.Count >= count, TimeSpan.FromSeconds(15),
            $"{count} provisioning log entries match {query}");
        Assert.Equal(count, page.Items.Count);
        return page.Items;
    }
}
