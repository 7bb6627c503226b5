using Bifrost.Ingestion.Scim;
using Bifrost.Ingestion.Services;
using Bifrost.Scim;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>
/// 100,000 users (and 10,000 groups) for one provider: the SQL ingestion generates for each Entra query shape must use
/// the intended index, never a sequential scan of the resource tables. The SQL is captured from the same query code the
/// endpoints run, then explained with the same parameters.
/// </summary>
public sealed class ScimIndexUsageTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>, IAsyncLifetime
{
    private static readonly Guid Provider = Guid.Parse("cccccccc-0000-4000-8000-000000000003");
    private static readonly Guid Other = Guid.Parse("dddddddd-0000-4000-8000-000000000004");

    public async ValueTask InitializeAsync()
    {
        _ = fixture.Server; // start the host: it migrates the database
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var seeded = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM ingestion.scim_users WHERE provider_id = @provider)", connection);
        seeded.Parameters.AddWithValue("provider", Provider);
        if ((bool)(await seeded.ExecuteScalarAsync(TestContext.Current.CancellationToken))!)
        {
            return; // xunit makes an instance per test; the class fixture's database is seeded once
        }

        await using var command = connection.CreateCommand();
        command.CommandTimeout = 300;
        command.CommandText = """
            INSERT INTO ingestion.scim_users (id, provider_id, user_name, user_name_key, external_id, display_name, display_name_key, email_key, email_keys, active, resource, version, created_at, last_modified_at)
            SELECT gen_random_uuid(), p.provider, 'User' || i || '@x.test', 'user' || i || '@x.test', 'ext-' || i, 'User ' || i, 'user ' || i, 'mail' || i || '@x.test', CASE WHEN i % 50 = 0 THEN ARRAY['mail' || i || '@x.test', 'proxy' || i || '@x.test'] ELSE ARRAY['mail' || i || '@x.test'] END, true,
                   jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'userName', 'User' || i || '@x.test', 'externalId', 'ext-' || i,
                                      'active', true, 'emails', jsonb_build_array(jsonb_build_object('type', 'work', 'value', 'mail' || i || '@x.test'))),
                   1, now(), now()
            FROM generate_series(1, 100000) AS i
            CROSS JOIN (VALUES (@provider), (@other)) AS p(provider)
            WHERE p.provider = @provider OR i <= 20000;

            INSERT INTO ingestion.scim_groups (id, provider_id, display_name, display_name_key, external_id, resource, version, created_at, last_modified_at)
            SELECT gen_random_uuid(), @provider, 'Group ' || i, 'group ' || i, 'gext-' || i,
                   jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:Group'), 'displayName', 'Group ' || i), 1, now(), now()
            FROM generate_series(1, 10000) AS i;

            INSERT INTO ingestion.scim_group_members (provider_id, group_id, member_id, member_type)
            SELECT @provider, g.id, u.id, 'User'
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ingestion.scim_groups WHERE provider_id = @provider) g
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ingestion.scim_users WHERE provider_id = @provider) u ON u.n % 10000 = g.n % 10000;

            ANALYZE ingestion.scim_users;
            ANALYZE ingestion.scim_groups;
            ANALYZE ingestion.scim_group_members;
            """;
        command.Parameters.AddWithValue("provider", Provider);
        command.Parameters.AddWithValue("other", Other);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string, string, string> UserShapes() => new()
    {
        { "userName (batched lookups)", "", "IX_scim_users_provider_id_user_name_key" },
        { "userName", "userName eq \"USER777@x.test\"", "IX_scim_users_provider_id_user_name_key" },
        { "externalId", "externalId eq \"ext-4242\"", "IX_scim_users_provider_id_external_id" },
        { "work e-mail", "emails[type eq \"work\"].value eq \"Mail99@x.test\"", "IX_scim_users_provider_id_email_key" },
        { "e-mail value", "emails.value eq \"mail99@x.test\"", "IX_scim_users_provider_id_email_key" },
        { "proxy e-mail", "emails[type eq \"other\"].value eq \"Proxy100@x.test\"", "IX_scim_users_email_keys" },
        { "displayName", "displayName eq \"user 5\"", "IX_scim_users_provider_id_display_name_key" },
        { "id", "id eq \"{id}\"", "PK_scim_users" },
        { "id (compiled)", "{id}", "PK_scim_users" },
        { "id and manager", "id eq \"{id}\" and manager eq \"x\"", "PK_scim_users" },
    };

    [Theory]
    [MemberData(nameof(UserShapes))]
    public async Task User_query_shape_uses_its_index(string shape, string filter, string index)
    {
        var id = await fixture.WithDbAsync(db => db.Users.Where(u => u.ProviderId == Provider && u.UserNameKey == "user31337@x.test").Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken));
        var commands = await CaptureAsync(async services =>
        {
            var queries = services.GetRequiredService<ScimUserQueries>();
            if (shape == "userName (batched lookups)")
            {
                var lookups = services.GetRequiredService<ScimUserLookupBatcher>();
                var found = await Task.WhenAll(new[] { "user31337@x.test", "user42@x.test", "nobody@x.test" }
                    .Select(key => lookups.FindAsync(Provider, key, TestContext.Current.CancellationToken)));
                Assert.Equal([1, 1, 0], found.Select(f => f.Count));
            }
            else if (shape == "id (compiled)")
            {
                Assert.NotNull(await queries.FindAsync(Provider, id, TestContext.Current.CancellationToken));
            }
            else
            {
                var request = new ScimListRequest(ScimFilter.Parse(filter.Replace("{id}", id.ToString(), StringComparison.Ordinal)), 1, 100, null, false, ScimAttributeSelection.Default);
                var page = await queries.ListAsync(Provider, request, TestContext.Current.CancellationToken);
                Assert.True(page.TotalResults <= 1, $"{shape}: {page.TotalResults} results");
            }
        });

        await AssertPlansAsync(shape, commands, index, "scim_users");
    }

    public static TheoryData<string, string, string> GroupShapes() => new()
    {
        { "displayName", "displayName eq \"GROUP 77\"", "IX_scim_groups_provider_id_display_name_key" },
        { "externalId", "externalId eq \"gext-77\"", "IX_scim_groups_provider_id_external_id" },
        { "id", "id eq \"{id}\"", "PK_scim_groups" },
        { "members value path", "members[value eq \"{member}\"]", "IX_scim_group_members_provider_id_member_id" },
        { "members.value", "members.value eq \"{member}\"", "IX_scim_group_members_provider_id_member_id" },
    };

    [Theory]
    [MemberData(nameof(GroupShapes))]
    public async Task Group_query_shape_uses_its_index(string shape, string filter, string index)
    {
        var (groupId, member) = await fixture.WithDbAsync(async db =>
        {
            var m = await db.GroupMembers.Where(x => x.ProviderId == Provider).OrderBy(x => x.MemberId).FirstAsync(TestContext.Current.CancellationToken);
            return (m.GroupId, m.MemberId);
        });
        var commands = await CaptureAsync(async services =>
        {
            var text = filter.Replace("{id}", groupId.ToString(), StringComparison.Ordinal).Replace("{member}", member.ToString(), StringComparison.Ordinal);
            var request = new ScimListRequest(ScimFilter.Parse(text), 1, 100, null, false, ScimAttributeSelection.Parse(null, "members"));
            var page = await services.GetRequiredService<ScimGroupQueries>().ListAsync(Provider, request, TestContext.Current.CancellationToken);
            Assert.Equal(1, page.TotalResults);
        });

        await AssertPlansAsync(shape, commands, index, "scim_groups");
    }

    [Fact]
    public async Task Page_query_sql_is_parameterised()
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var sql = scope.ServiceProvider.GetRequiredService<ScimUserQueries>()
            .PageQuery(Provider, ScimFilter.Parse("userName eq \"o'brien@x.test\" or externalId sw \"x%_\""))
            .ToQueryString();
        var statement = string.Join('\n', sql.Split('\n').Where(l => !l.StartsWith("--", StringComparison.Ordinal)));

        Assert.DoesNotContain("brien", statement, StringComparison.Ordinal);
        Assert.DoesNotContain("x%", statement, StringComparison.Ordinal);
        Assert.Contains("user_name_key = @", statement, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="run"/> with the application's own query services and returns the SQL they sent.</summary>
    private async Task<List<RecordedCommand>> CaptureAsync(Func<IServiceProvider, Task> run)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        fixture.Commands.Clear();
        await run(scope.ServiceProvider);
        var commands = fixture.Commands.Commands()
            .Where(c => c.Text.Contains("scim_users", StringComparison.Ordinal) || c.Text.Contains("scim_groups", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(commands);
        return commands;
    }

    private async Task AssertPlansAsync(string shape, List<RecordedCommand> commands, string index, string table)
    {
        var usedIndexes = new List<string>();
        foreach (var captured in commands)
        {
            var nodes = await QueryPlans.ExplainAsync(fixture.ConnectionString, captured, TestContext.Current.CancellationToken);
            Assert.DoesNotContain(nodes, n => QueryPlans.IsSeqScanOf(n, "scim_users", "scim_groups", "scim_group_members"));
            usedIndexes.AddRange(nodes.Select(QueryPlans.IndexName).OfType<string>());
        }

        Assert.True(usedIndexes.Contains(index), $"{shape}: expected {index} on {table}, plans used [{string.Join(", ", usedIndexes)}]");
    }
}
