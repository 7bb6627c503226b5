using System.Net;
using System.Text;
using Bifrost.Contracts.Scim;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary><c>/Bulk</c> (RFC 7644 §3.7): bulkId references, failOnErrors, limits.</summary>
public sealed class ScimBulkTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private readonly Guid _provider = Guid.NewGuid();
    private HttpClient Client => fixture.CreateScimClient(_provider);

    [Fact]
    public async Task Bulk_resolves_bulkId_references_including_forward_ones()
    {
        var userName = UniqueName("bulk");
        var groupName = $"bulk-group-{Guid.NewGuid():N}";
        var response = await Client.PostScimAsync("/scim/v2/Bulk", $$$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
              {"method":"POST","path":"/Groups","bulkId":"g1","data":{"displayName":"{{{groupName}}}","members":[{"type":"User","value":"bulkId:u1"}]}},
              {"method":"POST","path":"/Users","bulkId":"u1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{{userName}}}"}},
              {"method":"PATCH","path":"/Groups/bulkId:g1","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"externalId","value":"bulk-ext"}]}},
              {"method":"PATCH","path":"/Users/bulkId:u1","version":"W/\"1\"","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Bulked"}]}}
            ]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:BulkResponse", response.Body!["schemas"]![0]!.GetValue<string>());
        var operations = response.Body["Operations"]!.AsArray();
        Assert.Equal(4, operations.Count);
        Assert.All(operations, o => Assert.StartsWith("2", o!["status"]!.GetValue<string>(), StringComparison.Ordinal));
        var user = operations.Single(o => o!["bulkId"]?.GetValue<string>() == "u1")!;
        var group = operations.Single(o => o!["bulkId"]?.GetValue<string>() == "g1")!;
        Assert.Equal("201", user["status"]!.GetValue<string>());
        Assert.Equal("201", group["status"]!.GetValue<string>());
        var userId = Guid.Parse(user["location"]!.GetValue<string>().Split('/')[^1]);
        var groupId = Guid.Parse(group["location"]!.GetValue<string>().Split('/')[^1]);
        Assert.Equal("W/\"1\"", user["version"]!.GetValue<string>());

        var members = await fixture.WithDbAsync(db => db.GroupMembers.Where(m => m.GroupId == groupId).Select(m => m.MemberId).ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal([userId], members);
        var stored = await fixture.WithDbAsync(db => db.Groups.AsNoTracking().SingleAsync(g => g.Id == groupId, TestContext.Current.CancellationToken));
        Assert.Equal("bulk-ext", stored.ExternalId);
        Assert.Equal("Bulked", (await Client.GetScimAsync($"/scim/v2/Users/{userId}")).Body!["title"]!.GetValue<string>());
        await fixture.Harness.PublishedAsync<ScimGroupMembersAdded>(m => m.GroupId == groupId && m.MemberIds.Contains(userId));
    }

    [Fact]
    public async Task FailOnErrors_stops_after_that_many_errors_and_failed_operations_change_nothing()
    {
        var existing = await Client.CreateUserAsync(UniqueName());
        var later = UniqueName("later");
        var response = await Client.PostScimAsync("/scim/v2/Bulk", $$$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":2,"Operations":[
              {"method":"POST","path":"/Users","bulkId":"bad","data":{"displayName":"no userName"}},
              {"method":"PATCH","path":"/Users/{{{existing}}}","version":"W/\"9\"","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x"}]}},
              {"method":"POST","path":"/Users","bulkId":"never","data":{"userName":"{{{later}}}"}}
            ]}
            """);

        var operations = response.Body!["Operations"]!.AsArray();
        Assert.Equal(2, operations.Count);
        Assert.Equal("400", operations[0]!["status"]!.GetValue<string>());
        Assert.Equal("invalidValue", operations[0]!["response"]!["scimType"]!.GetValue<string>());
        Assert.Equal("412", operations[1]!["status"]!.GetValue<string>());
        Assert.Equal(0, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.UserNameKey == later, TestContext.Current.CancellationToken)));
        Assert.Equal(1, await fixture.WithDbAsync(db => db.Users.Where(u => u.Id == Guid.Parse(existing)).Select(u => u.Version).SingleAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Reference_to_a_failed_operation_fails_and_delete_through_bulk_works()
    {
        var victim = await Client.CreateUserAsync(UniqueName());
        var response = await Client.PostScimAsync("/scim/v2/Bulk", $$$"""
            {"Operations":[
              {"method":"POST","path":"/Groups","bulkId":"g","data":{"externalId":"no displayName"}},
              {"method":"PATCH","path":"/Groups/bulkId:g","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}},
              {"method":"DELETE","path":"/Users/{{{victim}}}"}
            ]}
            """);

        var operations = response.Body!["Operations"]!.AsArray();
        Assert.Equal(["400", "409", "204"], operations.Select(o => o!["status"]!.GetValue<string>()));
        Assert.False(await fixture.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == Guid.Parse(victim), TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Too_many_operations_or_too_large_a_payload_is_413()
    {
        var operations = string.Join(",", Enumerable.Range(0, 1001).Select(i => $$$"""{"method":"DELETE","path":"/Users/{{{Guid.NewGuid()}}}"}"""));
        var tooMany = await Client.PostScimAsync("/scim/v2/Bulk", $$$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{{{operations}}}]}""");
        var tooLarge = await Client.PostScimAsync("/scim/v2/Bulk", $$$"""{"Operations":[{"method":"POST","path":"/Users","bulkId":"x","data":{"userName":"x","title":"{{{new string('x', 1_100_000)}}}"}}]}""");

        tooMany.AssertError(HttpStatusCode.RequestEntityTooLarge, "tooMany");
        tooLarge.AssertError(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.ProviderId == _provider, TestContext.Current.CancellationToken)));
    }

    [Theory]
    [InlineData("""{"Operations":{}}""", "invalidSyntax")]
    [InlineData("""{"schemas":["urn:x"],"Operations":[]}""", "invalidSyntax")]
    [InlineData("""{"Operations":[{"method":"GET","path":"/Users"}]}""", "invalidSyntax")]
    [InlineData("""{"Operations":[{"method":"POST","path":"/Users","data":{"userName":"x"}}]}""", "invalidSyntax")]
    [InlineData("""{"failOnErrors":-1,"Operations":[]}""", "invalidValue")]
    public async Task Malformed_bulk_request_is_400(string body, string scimType)
    {
        (await Client.PostScimAsync("/scim/v2/Bulk", body)).AssertError(HttpStatusCode.BadRequest, scimType);
    }

    [Fact]
    public async Task Bulk_with_an_invalid_path_reports_the_operation_error()
    {
        var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/scim/v2/Bulk")
        {
            Content = new StringContent("""{"Operations":[{"method":"DELETE","path":"/Widgets/1"},{"method":"POST","path":"/Users/1","bulkId":"b","data":{}}]}""", Encoding.UTF8, "application/scim+json"),
        }, TestContext.Current.CancellationToken);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(body["Operations"]!.AsArray(), o => Assert.Equal("400", o!["status"]!.GetValue<string>()));
    }
}
