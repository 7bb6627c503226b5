using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bifrost.Contracts.Scim;
using Bifrost.Testing;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>RFC 7644 protocol behaviour: ETags, content negotiation, limits, errors, discovery, provider isolation.</summary>
public sealed class ScimProtocolTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private readonly HttpClient _client = fixture.CreateScimClient(Guid.NewGuid());

    [Fact]
    public async Task If_None_Match_with_the_current_version_returns_304_and_an_old_one_200()
    {
        var id = await _client.CreateUserAsync(UniqueName());
        var groupId = await _client.CreateGroupAsync($"g-{Guid.NewGuid():N}");

        var notModified = await _client.GetScimAsync($"/scim/v2/Users/{id}", r => r.Headers.TryAddWithoutValidation("If-None-Match", "W/\"1\""));
        var groupNotModified = await _client.GetScimAsync($"/scim/v2/Groups/{groupId}", r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"1\""));
        var modified = await _client.GetScimAsync($"/scim/v2/Users/{id}", r => r.Headers.TryAddWithoutValidation("If-None-Match", "W/\"0\""));

        Assert.Equal(HttpStatusCode.NotModified, notModified.Status);
        Assert.Null(notModified.Body);
        Assert.Equal("W/\"1\"", notModified.ETag);
        Assert.Equal(HttpStatusCode.NotModified, groupNotModified.Status);
        Assert.Equal(HttpStatusCode.OK, modified.Status);
        Assert.Equal(id, modified.Id);
    }

    [Fact]
    public async Task If_Match_mismatch_returns_412_and_changes_nothing_while_a_match_applies()
    {
        var id = await _client.CreateUserAsync(UniqueName(), ""","title":"Before" """);
        const string patch = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"After"}]}""";

        var stalePatch = await _client.PatchScimAsync($"/scim/v2/Users/{id}", patch, r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"7\""));
        var stalePut = await _client.PutScimAsync($"/scim/v2/Users/{id}", $$"""{"userName":"{{UniqueName()}}"}""", r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"7\""));
        var staleDelete = await _client.DeleteScimAsync($"/scim/v2/Users/{id}", r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"7\""));
        var current = await _client.PatchScimAsync($"/scim/v2/Users/{id}", patch, r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"1\""));
        var wildcardDelete = await _client.DeleteScimAsync($"/scim/v2/Users/{id}", r => r.Headers.TryAddWithoutValidation("If-Match", "*"));

        stalePatch.AssertError(HttpStatusCode.PreconditionFailed);
        stalePut.AssertError(HttpStatusCode.PreconditionFailed);
        staleDelete.AssertError(HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.OK, current.Status);
        Assert.Equal("After", current.Body!["title"]!.GetValue<string>());
        Assert.Equal("W/\"2\"", current.ETag);
        Assert.Equal(HttpStatusCode.NoContent, wildcardDelete.Status);
    }

    [Fact]
    public async Task Concurrent_patches_of_one_group_lose_no_member_and_versions_stay_distinct()
    {
        var id = await _client.CreateGroupAsync($"race-{Guid.NewGuid():N}");
        var users = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            users.Add(await _client.CreateUserAsync(UniqueName()));
        }

        var responses = await Task.WhenAll(users.Select(u => _client.PatchScimAsync($"/scim/v2/Groups/{id}", MembersPatch("Add", [u]))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.NoContent, r.Status));
        Assert.Equal(10, responses.Select(r => r.ETag).Distinct().Count());
        Assert.Equal(10, await fixture.WithDbAsync(db => db.GroupMembers.CountAsync(m => m.GroupId == Guid.Parse(id), TestContext.Current.CancellationToken)));
        await fixture.Harness.PublishedAsync<ScimGroupMembersAdded>(m => m.GroupId == Guid.Parse(id) && m.Version == 11);
        Assert.Equal(Enumerable.Range(2, 10).Select(v => (long)v), fixture.Harness.PublishedNow<ScimGroupMembersAdded>(m => m.GroupId == Guid.Parse(id)).Select(m => m.Version).Order());
    }

    [Fact]
    public async Task Concurrent_user_patches_are_serialised_without_lost_updates()
    {
        var id = await _client.CreateUserAsync(UniqueName());
        var patches = Enumerable.Range(0, 8).Select(i =>
            $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"phoneNumbers","value":[{"type":"other","value":"+1 555 000{{i}}"}]}]}""");

        var responses = await Task.WhenAll(patches.Select(p => _client.PatchScimAsync($"/scim/v2/Users/{id}", p)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var final = await _client.GetScimAsync($"/scim/v2/Users/{id}");
        Assert.Equal(8, final.Body!["phoneNumbers"]!.AsArray().Count);
        Assert.Equal("W/\"9\"", final.ETag);
    }

    [Theory]
    [InlineData("application/scim+json")]
    [InlineData("application/json")]
    [InlineData("application/scim+json; charset=utf-8")]
    [InlineData("*/*")]
    [InlineData("text/html, application/json;q=0.5")]
    public async Task Accept_including_json_is_answered_with_scim_json(string accept)
    {
        var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Provider", Guid.NewGuid().ToString());
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept", accept);

        var response = await client.GetScimAsync("/scim/v2/Users?filter=userName+eq+%22nobody%22");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/scim+json", response.ContentType);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml, text/plain")]
    [InlineData("application/json;q=0")]
    public async Task Accept_excluding_json_is_406(string accept)
    {
        var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Provider", Guid.NewGuid().ToString());
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept", accept);

        (await client.GetScimAsync("/scim/v2/Users")).AssertError(HttpStatusCode.NotAcceptable);
    }

    [Fact]
    public async Task Json_content_type_with_charset_is_accepted_and_other_types_are_415()
    {
        var json = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/scim/v2/Users")
        {
            Content = new StringContent($$"""{"userName":"{{UniqueName()}}"}""", Encoding.UTF8, "application/json"),
        }, TestContext.Current.CancellationToken);
        using var xml = new HttpRequestMessage(HttpMethod.Post, "/scim/v2/Groups") { Content = new StringContent("<group/>", Encoding.UTF8, "application/xml") };
        var rejected = await _client.SendAsync(xml, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, json.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, rejected.StatusCode);
        Assert.Equal("application/scim+json", rejected.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ten_megabyte_body_is_413_with_a_scim_error_and_stores_nothing()
    {
        var before = await fixture.WithDbAsync(db => db.Users.CountAsync(TestContext.Current.CancellationToken));
        var big = $$"""{"userName":"{{UniqueName()}}","title":"{{new string('x', 10 * 1024 * 1024)}}"}""";

        var response = await _client.PostScimAsync("/scim/v2/Users", big);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/scim/v2/Users") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/scim+json");
        chunked.Headers.TransferEncodingChunked = true;
        var streamed = await _client.SendAsync(chunked, TestContext.Current.CancellationToken);

        response.AssertError(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal(before, await fixture.WithDbAsync(db => db.Users.CountAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Deeply_nested_json_is_400_invalidSyntax()
    {
        var nested = "{\"userName\":\"x\",\"a\":" + string.Concat(Enumerable.Repeat("[", 5000)) + string.Concat(Enumerable.Repeat("]", 5000)) + "}";

        (await _client.PostScimAsync("/scim/v2/Users", nested)).AssertError(HttpStatusCode.BadRequest, "invalidSyntax");
    }

    [Fact]
    public async Task Unknown_route_is_404_wrong_method_is_405_and_Me_is_501()
    {
        (await _client.GetScimAsync("/scim/v2/Widgets")).AssertError(HttpStatusCode.NotFound);
        (await _client.DeleteScimAsync("/scim/v2/Users")).AssertError(HttpStatusCode.MethodNotAllowed);
        (await _client.PutScimAsync("/scim/v2/Groups", "{}")).AssertError(HttpStatusCode.MethodNotAllowed);
        (await _client.GetScimAsync("/scim/v2/Me")).AssertError(HttpStatusCode.NotImplemented);
    }

    [Fact]
    public async Task Count_and_startIndex_must_be_integers_and_bad_sortOrder_is_400()
    {
        (await _client.GetScimAsync("/scim/v2/Users?count=ten")).AssertError(HttpStatusCode.BadRequest, "invalidValue");
        (await _client.GetScimAsync("/scim/v2/Users?startIndex=1.5")).AssertError(HttpStatusCode.BadRequest, "invalidValue");
        (await _client.GetScimAsync("/scim/v2/Users?sortBy=userName&sortOrder=sideways")).AssertError(HttpStatusCode.BadRequest, "invalidValue");
        (await _client.GetScimAsync("/scim/v2/Users?filter=userName+eq")).AssertError(HttpStatusCode.BadRequest, "invalidFilter");
    }

    [Fact]
    public async Task Discovery_endpoints_advertise_what_is_supported()
    {
        var config = await _client.GetScimAsync("/scim/v2/ServiceProviderConfig");
        var types = await _client.GetScimAsync("/scim/v2/ResourceTypes");
        var group = await _client.GetScimAsync("/scim/v2/ResourceTypes/Group");
        var schemas = await _client.GetScimAsync("/scim/v2/Schemas");
        var user = await _client.GetScimAsync("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
        var missing = await _client.GetScimAsync("/scim/v2/Schemas/urn:nope");

        Assert.Equal(HttpStatusCode.OK, config.Status);
        Assert.True(config.Body!["patch"]!["supported"]!.GetValue<bool>());
        Assert.True(config.Body["bulk"]!["supported"]!.GetValue<bool>());
        Assert.Equal(1000, config.Body["bulk"]!["maxOperations"]!.GetValue<int>());
        Assert.Equal(1048576, config.Body["bulk"]!["maxPayloadSize"]!.GetValue<int>());
        Assert.True(config.Body["filter"]!["supported"]!.GetValue<bool>());
        Assert.Equal(200, config.Body["filter"]!["maxResults"]!.GetValue<int>());
        Assert.True(config.Body["sort"]!["supported"]!.GetValue<bool>());
        Assert.True(config.Body["etag"]!["supported"]!.GetValue<bool>());
        Assert.False(config.Body["changePassword"]!["supported"]!.GetValue<bool>());
        Assert.Equal(2, types.TotalResults);
        Assert.Equal("/Groups", group.Body!["endpoint"]!.GetValue<string>());
        Assert.Equal(3, schemas.TotalResults);
        Assert.Equal("User", user.Body!["name"]!.GetValue<string>());
        Assert.Contains(user.Body["attributes"]!.AsArray(), a => a!["name"]!.GetValue<string>() == "emails"
            && a["subAttributes"]!.AsArray().Any(s => s!["name"]!.GetValue<string>() == "type" && s["canonicalValues"] is not null));
        missing.AssertError(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Providers_are_isolated_for_list_filter_get_patch_delete_and_membership()
    {
        var a = fixture.CreateScimClient(Guid.NewGuid());
        var b = fixture.CreateScimClient(Guid.NewGuid());
        var userName = UniqueName("shared");
        var userA = await a.CreateUserAsync(userName);
        var groupA = await a.CreateGroupAsync("Shared group");
        var userB = await b.CreateUserAsync(userName);
        var groupB = await b.CreateGroupAsync("Shared group");
        const string patch = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x"}]}""";

        var listB = await b.GetScimAsync("/scim/v2/Users");
        var filterB = await b.GetScimAsync($"/scim/v2/Users?filter={Query($"userName eq \"{userName}\"")}");
        var groupsB = await b.GetScimAsync($"/scim/v2/Groups?filter={Query("displayName eq \"Shared group\"")}");

        Assert.Equal([userB], listB.Resources.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal([userB], filterB.Resources.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal([groupB], groupsB.Resources.Select(r => r!["id"]!.GetValue<string>()));
        (await b.GetScimAsync($"/scim/v2/Users/{userA}")).AssertError(HttpStatusCode.NotFound);
        (await b.GetScimAsync($"/scim/v2/Groups/{groupA}")).AssertError(HttpStatusCode.NotFound);
        (await b.PatchScimAsync($"/scim/v2/Users/{userA}", patch)).AssertError(HttpStatusCode.NotFound);
        (await b.PutScimAsync($"/scim/v2/Users/{userA}", $$"""{"userName":"{{userName}}"}""")).AssertError(HttpStatusCode.NotFound);
        (await b.DeleteScimAsync($"/scim/v2/Users/{userA}")).AssertError(HttpStatusCode.NotFound);
        (await b.DeleteScimAsync($"/scim/v2/Groups/{groupA}")).AssertError(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await b.PatchScimAsync($"/scim/v2/Groups/{groupB}", MembersPatch("Add", [userA]))).Status); // ignored
        Assert.Equal(0, await fixture.WithDbAsync(db => db.GroupMembers.CountAsync(m => m.MemberId == Guid.Parse(userA), TestContext.Current.CancellationToken)));
        (await b.GetScimAsync($"/scim/v2/Groups?filter={Query($"members[value eq \"{userA}\"]")}")).Resources.ToList().ForEach(_ => Assert.Fail("another provider's member"));
        Assert.Equal(HttpStatusCode.OK, (await a.GetScimAsync($"/scim/v2/Users/{userA}")).Status);
        Assert.Equal(1, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.Id == Guid.Parse(userA) && u.Version == 1, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Unknown_query_parameters_such_as_the_Entra_flag_are_ignored()
    {
        var response = await _client.GetScimAsync("/scim/v2/Users?aadOptscim062020&filter=userName+eq+%22x%22");

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Put_user_replaces_all_attributes_and_a_readOnly_id_in_the_body_is_ignored()
    {
        var id = await _client.CreateUserAsync(UniqueName(), ""","title":"T","nickName":"N" """);
        var newName = UniqueName("put");

        var response = await _client.PutScimAsync($"/scim/v2/Users/{id}", $$"""{"id":"{{Guid.NewGuid()}}","userName":"{{newName}}","title":"T2","active":false}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(id, response.Id);
        Assert.Equal("T2", response.Body!["title"]!.GetValue<string>());
        Assert.Null(response.Body["nickName"]);
        Assert.False(response.Body["active"]!.GetValue<bool>());
        Assert.Equal("W/\"2\"", response.ETag);
        await fixture.Harness.PublishedAsync<ScimUserDeactivated>(m => m.UserId == Guid.Parse(id) && m.Version == 2);
    }

    [Fact]
    public async Task Requests_are_counted_and_timed_by_resource_operation_and_status()
    {
        var meterFactory = fixture.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meterFactory, "Bifrost.Ingestion", "bifrost.scim.requests");
        using var duration = new MetricCollector<double>(meterFactory, "Bifrost.Ingestion", "bifrost.scim.request.duration");

        await _client.GetScimAsync("/scim/v2/Groups?filter=displayName+eq+%22none%22");
        await _client.GetScimAsync($"/scim/v2/Users/{Guid.NewGuid()}");

        Assert.Contains(requests.GetMeasurementSnapshot(), m => Equals(m.Tags["scim.resource"], "Groups") && Equals(m.Tags["scim.operation"], "list")
            && Equals(m.Tags["http.response.status_code"], 200));
        Assert.Contains(requests.GetMeasurementSnapshot(), m => Equals(m.Tags["scim.resource"], "Users") && Equals(m.Tags["scim.operation"], "get")
            && Equals(m.Tags["http.response.status_code"], 404));
        Assert.True(duration.GetMeasurementSnapshot().Count >= 2);
        Assert.All(duration.GetMeasurementSnapshot(), m => Assert.True(m.Value >= 0));
    }
}
