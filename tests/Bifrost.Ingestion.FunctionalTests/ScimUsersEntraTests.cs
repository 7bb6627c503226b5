using System.Net;
using System.Text.Json.Nodes;
using Bifrost.Contracts.Scim;
using Bifrost.Testing;
using Microsoft.EntityFrameworkCore;
using static Bifrost.Ingestion.FunctionalTests.ScimTestClient;

namespace Bifrost.Ingestion.FunctionalTests;

/// <summary>The user requests of entra-requests.md §1, §2 and §5, sent as Entra sends them.</summary>
public sealed class ScimUsersEntraTests(IngestionApiFixture fixture) : IClassFixture<IngestionApiFixture>
{
    private readonly HttpClient _client = fixture.CreateScimClient(Guid.NewGuid());

    [Fact]
    public async Task Test_connection_probe_without_accept_or_content_type_returns_200_empty_list()
    {
        var client = fixture.CreateClient();
        client.DefaultRequestHeaders.Add("X-Bifrost-Provider", Guid.NewGuid().ToString());

        var response = await client.GetScimAsync("/scim/v2/Users?filter=userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22");
        var groups = await client.GetScimAsync("/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22x%22");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/scim+json", response.ContentType);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:ListResponse", response.Body!["schemas"]![0]!.GetValue<string>());
        Assert.Equal(0, response.TotalResults);
        Assert.Empty(response.Resources);
        Assert.Equal(1, response.Body["startIndex"]!.GetValue<int>());
        Assert.Equal(0, response.Body["itemsPerPage"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, groups.Status);
        Assert.Equal(0, groups.TotalResults);
    }

    [Fact]
    public async Task Create_user_2_1_returns_201_with_echoed_attributes_and_location()
    {
        var userName = $"Test_User_{Guid.NewGuid()}";
        var response = await _client.PostScimAsync("/scim/v2/Users", $$"""
            {
                "schemas": [
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": "{{userName}}",
                "active": true,
                "emails": [{
                    "primary": true,
                    "type": "work",
                    "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
                }],
                "meta": {
                    "resourceType": "User"
                },
                "name": {
                    "formatted": "givenName familyName",
                    "familyName": "familyName",
                    "givenName": "givenName"
                },
                "roles": []
            }
            """);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        var body = response.Body!;
        Assert.Equal(userName, body["userName"]!.GetValue<string>());
        Assert.Equal("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", body["externalId"]!.GetValue<string>());
        Assert.True(body["active"]!.GetValue<bool>());
        Assert.Equal("Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com", body["emails"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("work", body["emails"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("User", body["meta"]!["resourceType"]!.GetValue<string>());
        Assert.NotNull(body["meta"]!["created"]);
        Assert.Equal(body["meta"]!["created"]!.GetValue<string>(), body["meta"]!["lastModified"]!.GetValue<string>());
        Assert.Equal(response.Message.Headers.Location!.ToString(), body["meta"]!["location"]!.GetValue<string>());
        Assert.Equal("W/\"1\"", response.ETag);
        Assert.Null(body["roles"]);

        var read = await _client.GetScimAsync($"/scim/v2/Users/{response.Id}");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.True(JsonNode.DeepEquals(body, read.Body), "GET returns what POST returned");
        Assert.Equal("test_user_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com",
            await fixture.WithDbAsync(db => db.Users.Where(u => u.Id == response.Guid).Select(u => u.EmailKey).SingleAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Create_user_2_2_with_nulls_and_malformed_enterprise_urn_is_accepted()
    {
        var userName = UniqueName("jyoung");
        var response = await _client.PostScimAsync("/scim/v2/Users", $$"""
            {
               "schemas":
               [
                 "urn:ietf:params:scim:schemas:core:2.0:User",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
               "externalId":"jyoung",
               "userName":"{{userName}}",
               "active":true,
               "addresses":null,
               "displayName":"Joy Young",
               "emails": [
                 {
                   "type":"work",
                   "value":"jyoung@Contoso.com",
                   "primary":true}],
               "meta": {
                 "resourceType":"User"},
                "name":{
                 "familyName":"Young",
                 "givenName":"Joy"},
               "phoneNumbers":null,
               "preferredLanguage":null,
               "title":null,
               "department":null,
               "manager":null}
            """);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        var body = response.Body!;
        Assert.Null(body["addresses"]);
        Assert.Null(body["title"]);
        Assert.DoesNotContain(body["schemas"]!.AsArray(), s => s!.GetValue<string>().EndsWith("2.0User", StringComparison.Ordinal));
        Assert.Equal("Joy Young", body["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Query_by_userName_is_case_insensitive_and_returns_one_resource()
    {
        var userName = UniqueName("Test_User");
        var id = await _client.CreateUserAsync(userName, ""","externalId":"ext-q","emails":[{"type":"work","value":"Q@Contoso.com"}]""");

        var response = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"userName eq \"{userName.ToUpperInvariant()}\"")}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(1, response.TotalResults);
        Assert.Equal(id, response.Resources[0]!["id"]!.GetValue<string>());
        Assert.Equal(1, response.Body!["startIndex"]!.GetValue<int>());
        Assert.Equal(1, response.Body["itemsPerPage"]!.GetValue<int>());
    }

    [Fact]
    public async Task Query_with_no_match_returns_200_empty_list()
    {
        var response = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("userName eq \"non-existent user\"")}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(0, response.TotalResults);
        Assert.Empty(response.Resources);
    }

    [Fact]
    public async Task Query_by_externalId_is_case_exact_and_accepts_an_unquoted_value()
    {
        var external = $"jyoung{Guid.NewGuid():N}";
        var id = await _client.CreateUserAsync(UniqueName(), $$""","externalId":"{{external}}" """);

        var quoted = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"externalId eq \"{external}\"")}");
        var unquoted = await _client.GetScimAsync($"/scim/v2/Users?filter=externalId eq {external}");
        var otherCase = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"externalId eq \"{external.ToUpperInvariant()}\"")}");

        Assert.Equal(id, Assert.Single(quoted.Resources)!["id"]!.GetValue<string>());
        Assert.Equal(id, Assert.Single(unquoted.Resources)!["id"]!.GetValue<string>());
        Assert.Equal(0, otherCase.TotalResults);
    }

    [Fact]
    public async Task Query_by_work_email_value_path_finds_the_user_case_insensitively()
    {
        var email = $"Mail.{Guid.NewGuid():N}@Contoso.com";
        var id = await _client.CreateUserAsync(UniqueName(), $$""","emails":[{"type":"home","value":"home-{{email}}"},{"type":"work","value":"{{email}}"}]""");
        var other = await _client.CreateUserAsync(UniqueName(), $$""","emails":[{"type":"home","value":"{{email}}"}]""");

        var work = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"emails[type eq \"work\"].value eq \"{email.ToLowerInvariant()}\"")}");
        var any = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"emails.value eq \"{email}\"")}&sortBy=meta.created");
        var home = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"emails.value eq \"home-{email}\"")}");

        Assert.Equal(id, Assert.Single(work.Resources)!["id"]!.GetValue<string>());
        Assert.Equal([id, other], any.Resources.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal(id, Assert.Single(home.Resources)!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Manager_check_query_returns_only_id()
    {
        var manager = await _client.CreateUserAsync(UniqueName("manager"));
        var id = await _client.CreateUserAsync(UniqueName(), $$""","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"{{manager}}"}""");

        var hit = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"id eq \"{id}\" and manager eq \"{manager}\"")}&attributes=id");
        var miss = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"id eq \"{id}\" and manager eq \"{Guid.NewGuid()}\"")}&attributes=id");

        var resource = Assert.Single(hit.Resources)!.AsObject();
        Assert.Equal(id, resource["id"]!.GetValue<string>());
        Assert.Equal(["id", "schemas"], resource.Select(m => m.Key).Order());
        Assert.Equal(0, miss.TotalResults);
    }

    [Fact]
    public async Task Patch_2_10_replaces_work_email_and_family_name_and_publishes_updated()
    {
        var id = await _client.CreateUserAsync(UniqueName(), ""","name":{"givenName":"givenName","familyName":"familyName"},"emails":[{"type":"work","value":"old@x.test","primary":true},{"type":"home","value":"home@x.test"}]""");

        var response = await _client.PatchScimAsync($"/scim/v2/Users/{id}", """
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                        {
                        "op": "Replace",
                        "path": "emails[type eq \"work\"].value",
                        "value": "updatedEmail@microsoft.com"
                        },
                        {
                        "op": "Replace",
                        "path": "name.familyName",
                        "value": "updatedFamilyName"
                        }
                ]
            }
            """);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("W/\"2\"", response.ETag);
        var emails = response.Body!["emails"]!.AsArray();
        Assert.Equal("updatedEmail@microsoft.com", emails.Single(e => e!["type"]!.GetValue<string>() == "work")!["value"]!.GetValue<string>());
        Assert.Equal("home@x.test", emails.Single(e => e!["type"]!.GetValue<string>() == "home")!["value"]!.GetValue<string>());
        Assert.Equal("updatedFamilyName", response.Body["name"]!["familyName"]!.GetValue<string>());
        Assert.Equal("givenName", response.Body["name"]!["givenName"]!.GetValue<string>());

        var updated = await fixture.Harness.PublishedAsync<ScimUserUpdated>(m => m.UserId == Guid.Parse(id));
        Assert.Equal(2, updated.Version);
        Assert.Equal("updatedEmail@microsoft.com", updated.User.Email);
        Assert.Equal("updatedemail@microsoft.com", await fixture.WithDbAsync(db => db.Users.Where(u => u.Id == Guid.Parse(id)).Select(u => u.EmailKey).SingleAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Patch_2_11_replaces_userName_and_the_new_name_is_found()
    {
        var id = await _client.CreateUserAsync(UniqueName());
        var newName = $"{Guid.NewGuid()}@testuser.com";

        var response = await _client.PatchScimAsync($"/scim/v2/Users/{id}", $$"""
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Replace",
                    "path": "userName",
                    "value": "{{newName}}"
                }]
            }
            """);
        var found = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"userName eq \"{newName}\"")}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(newName, response.Body!["userName"]!.GetValue<string>());
        Assert.Equal(id, Assert.Single(found.Resources)!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"Operations":[{"op":"Replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"active","value":"False"}]}""")]
    public async Task Disable_user_2_12_and_5_1_sets_active_false_keeps_user_readable_and_publishes_deactivated(string patch)
    {
        var id = await _client.CreateUserAsync(UniqueName(), ""","active":true""");

        var response = await _client.PatchScimAsync($"/scim/v2/Users/{id}", patch);
        var read = await _client.GetScimAsync($"/scim/v2/Users/{id}");
        var inactive = await _client.GetScimAsync($"/scim/v2/Users?filter={Query($"id eq \"{id}\" and active eq false")}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.Body!["active"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.False(read.Body!["active"]!.GetValue<bool>());
        Assert.Equal(1, inactive.TotalResults);
        Assert.False(await fixture.WithDbAsync(db => db.Users.Where(u => u.Id == Guid.Parse(id)).Select(u => u.Active).SingleAsync(TestContext.Current.CancellationToken)));
        var deactivated = await fixture.Harness.PublishedAsync<ScimUserDeactivated>(m => m.UserId == Guid.Parse(id));
        Assert.Equal(2, deactivated.Version);
        Assert.False(deactivated.User.Active);

        var reactivate = await _client.PatchScimAsync($"/scim/v2/Users/{id}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}""");
        Assert.True(reactivate.Body!["active"]!.GetValue<bool>());
        var reactivated = await fixture.Harness.PublishedAsync<ScimUserReactivated>(m => m.UserId == Guid.Parse(id));
        Assert.Equal(3, reactivated.Version);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("add")]
    public async Task Add_single_value_string_5_2_sets_nickName(string op)
    {
        var id = await _client.CreateUserAsync(UniqueName(), ""","nickName":"Old" """);

        var response = await _client.PatchScimAsync($"/scim/v2/Users/{id}", $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"{{op}}","path":"nickName","value":"Babs"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Babs", response.Body!["nickName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Replace_several_attributes_5_3_both_forms_set_the_same_attributes()
    {
        var a = await _client.CreateUserAsync(UniqueName(), ""","title":"Keep","emails":[{"type":"work","value":"a@x.test"}]""");
        var b = await _client.CreateUserAsync(UniqueName(), ""","title":"Keep","emails":[{"type":"work","value":"b@x.test"}]""");

        var withoutFlag = await _client.PatchScimAsync($"/scim/v2/Users/{a}", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Replace","path":"displayName","value":"Pvlo"},
              {"op":"Replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"},
              {"op":"Replace","path":"name.givenName","value":"Gtfd"},
              {"op":"Replace","path":"name.familyName","value":"Pkqf"},
              {"op":"Replace","path":"externalId","value":"Eqpj"},
              {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}
            """);
        var withFlag = await _client.PatchScimAsync($"/scim/v2/Users/{b}?aadOptscim062020", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"replace","path":"emails[type eq \"work\"].value","value":"TestMhvaes@test.microsoft.com"},
              {"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}
            """);

        Assert.Equal(HttpStatusCode.OK, withoutFlag.Status);
        Assert.Equal("Pvlo", withoutFlag.Body!["displayName"]!.GetValue<string>());
        Assert.Equal("Eqpj", withoutFlag.Body["externalId"]!.GetValue<string>());
        Assert.Equal("Eqpj", withoutFlag.Body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["employeeNumber"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, withFlag.Status);
        Assert.Equal("Bjfe", withFlag.Body!["displayName"]!.GetValue<string>());
        Assert.Equal("Kkom", withFlag.Body["name"]!["givenName"]!.GetValue<string>());
        Assert.Equal("Unua", withFlag.Body["name"]!["familyName"]!.GetValue<string>());
        Assert.Equal("Aklq", withFlag.Body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["employeeNumber"]!.GetValue<string>());
        Assert.Equal("TestMhvaes@test.microsoft.com", withFlag.Body["emails"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("Keep", withFlag.Body["title"]!.GetValue<string>());
        var byDisplayName = await _client.GetScimAsync($"/scim/v2/Users?filter={Query("displayName eq \"bjfe\"")}");
        Assert.Contains(byDisplayName.Resources, r => r!["id"]!.GetValue<string>() == b);
    }

    [Fact]
    public async Task Manager_set_change_and_remove_2_14_store_a_complex_manager()
    {
        var id = await _client.CreateUserAsync(UniqueName());
        const string path = "/scim/v2/Users/";
        var first = Guid.NewGuid().ToString();
        var second = Guid.NewGuid().ToString();

        var old = await _client.PatchScimAsync(path + id, $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://x/scim/Users/{{first}}","value":"{{first}}"}]}]}""");
        Assert.Equal(first, old.Body!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["manager"]!["value"]!.GetValue<string>());
        var set = await _client.PatchScimAsync(path + id, $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"{{second}}"}]}""");
        Assert.Equal(second, set.Body!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["manager"]!["value"]!.GetValue<string>());
        var removed = await _client.PatchScimAsync(path + id, """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":""}]}""");
        Assert.Null(removed.Body!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?["manager"]);

        var updates = await fixture.Harness.PublishedAsync<ScimUserUpdated>(m => m.UserId == Guid.Parse(id) && m.Version == 4);
        Assert.False(updates.User.Attributes.ContainsKey("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"));
    }

    [Fact]
    public async Task Roles_2_15_from_post_and_stringified_patch_are_stored()
    {
        var response = await _client.PostScimAsync("/scim/v2/Users", $$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"alias","userName":"{{UniqueName("alias")}}","active":true,
             "displayName":"First Name Last Name","meta":{"resourceType":"User"},"roles":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Admin"}]}
            """);
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("Admin", response.Body!["roles"]![0]!["value"]!.GetValue<string>());

        var patched = await _client.PatchScimAsync($"/scim/v2/Users/{response.Id}", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"roles",
             "value":[{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]}]}
            """);

        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(2, patched.Body!["roles"]!.AsArray().Count);
    }

    [Fact]
    public async Task Delete_user_2_13_returns_204_then_404_and_publishes_deleted_with_the_next_version()
    {
        var id = await _client.CreateUserAsync(UniqueName());
        await _client.PatchScimAsync($"/scim/v2/Users/{id}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T"}]}""");

        var deleted = await _client.DeleteScimAsync($"/scim/v2/Users/{id}");
        var read = await _client.GetScimAsync($"/scim/v2/Users/{id}");
        var again = await _client.DeleteScimAsync($"/scim/v2/Users/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Null(deleted.Body);
        read.AssertError(HttpStatusCode.NotFound);
        again.AssertError(HttpStatusCode.NotFound);
        Assert.False(await fixture.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == Guid.Parse(id), TestContext.Current.CancellationToken)));
        var evt = await fixture.Harness.PublishedAsync<ScimUserDeleted>(m => m.UserId == Guid.Parse(id));
        Assert.Equal(3, evt.Version);
    }

    [Fact]
    public async Task Get_unknown_user_2_5_returns_404_with_string_status()
    {
        var response = await _client.GetScimAsync("/scim/v2/Users/5171a35d82074e068ce2");

        response.AssertError(HttpStatusCode.NotFound);
        Assert.Equal("404", response.Body!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Retried_identical_create_answers_409_uniqueness_and_makes_no_second_user_or_event()
    {
        var body = $$"""{"userName":"{{UniqueName()}}","externalId":"retry-1","active":true,"emails":[{"type":"work","value":"r@x.test"}]}""";
        var first = await _client.PostScimAsync("/scim/v2/Users", body);
        var retry = await _client.PostScimAsync("/scim/v2/Users", body);
        var different = await _client.PostScimAsync("/scim/v2/Users", body.Replace("retry-1", "retry-2", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Created, first.Status);
        retry.AssertError(HttpStatusCode.Conflict, "uniqueness");
        different.AssertError(HttpStatusCode.Conflict, "uniqueness");
        Assert.Equal(1, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.ExternalId == "retry-1" || u.ExternalId == "retry-2", TestContext.Current.CancellationToken)));
        await fixture.Harness.PublishedAsync<ScimUserProvisioned>(m => m.UserId == first.Guid);
        Assert.Single(fixture.Harness.PublishedNow<ScimUserProvisioned>(m => m.UserId == first.Guid));
    }

    [Fact]
    public async Task Concurrent_duplicate_creates_give_one_201_and_409s_and_one_row()
    {
        var userName = UniqueName("race");
        var bodies = Enumerable.Range(0, 8).Select(i => $$"""{"userName":"{{userName}}","displayName":"racer {{i}}"}""").ToList();

        var responses = await Task.WhenAll(bodies.Select(b => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PostScimAsync("/scim/v2/Users", b)));

        Assert.Single(responses, r => r.Status == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.Created), r => r.AssertError(HttpStatusCode.Conflict, "uniqueness"));
        Assert.Equal(1, await fixture.WithDbAsync(db => db.Users.CountAsync(u => u.UserNameKey == userName, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Concurrent_creates_are_committed_together_and_each_gets_its_own_answer_and_event()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var client = fixture.CreateScimClient(IngestionApiFixture.ProviderA);
        var taken = Enumerable.Range(0, 4).Select(_ => UniqueName("taken")).ToList();
        foreach (var userName in taken)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostScimAsync("/scim/v2/Users", $$"""{"userName":"{{userName}}"}""")).Status);
        }

        // 40 new names, 4 names another user has (in other case), 4 new names sent twice: all at once.
        var fresh = Enumerable.Range(0, 40).Select(_ => UniqueName("batch")).ToList();
        var twice = Enumerable.Range(0, 4).Select(_ => UniqueName("twice")).ToList();
        var userNames = fresh.Concat(taken.Select(n => n.ToUpperInvariant())).Concat(twice).Concat(twice).ToList();
        var responses = await Task.WhenAll(userNames.Select(n =>
            fixture.CreateScimClient(IngestionApiFixture.ProviderA).PostScimAsync("/scim/v2/Users", $$"""{"userName":"{{n}}","externalId":"{{n}}","active":true}""")));

        var answers = userNames.Zip(responses).ToList();
        Assert.All(answers.Where(a => fresh.Contains(a.First)), a =>
        {
            Assert.Equal(HttpStatusCode.Created, a.Second.Status);
            Assert.Equal(a.First, a.Second.Body!["userName"]!.GetValue<string>());
        });
        Assert.All(answers.Where(a => taken.Contains(a.First.ToLowerInvariant())), a => a.Second.AssertError(HttpStatusCode.Conflict, "uniqueness"));
        foreach (var userName in twice)
        {
            var pair = answers.Where(a => a.First == userName).Select(a => a.Second).ToList();
            Assert.Single(pair, r => r.Status == HttpStatusCode.Created);
            Assert.Single(pair, r => r.Status == HttpStatusCode.Conflict).AssertError(HttpStatusCode.Conflict, "uniqueness");
        }

        // One row per created user, and the rows share transactions (PostgreSQL's xmin): they were written in batches.
        var keys = fresh.Concat(twice).ToArray();
        var transactions = await fixture.WithDbAsync(db => db.Database
            .SqlQuery<string>($"SELECT xmin::text AS \"Value\" FROM ingestion.scim_users WHERE provider_id = {IngestionApiFixture.ProviderA} AND user_name_key = ANY({keys})")
            .ToListAsync(cancellationToken));
        Assert.Equal(keys.Length, transactions.Count);
        Assert.True(transactions.Distinct().Count() < keys.Length / 2, $"{transactions.Distinct().Count()} transactions for {keys.Length} creates");

        // Exactly one ScimUserProvisioned per created user, none for the 409s.
        var created = responses.Where(r => r.Status == HttpStatusCode.Created).Select(r => r.Guid).ToHashSet();
        Assert.Equal(keys.Length, created.Count);
        foreach (var id in created)
        {
            await fixture.Harness.PublishedAsync<ScimUserProvisioned>(m => m.UserId == id);
        }

        var provisioned = fixture.Harness.PublishedNow<ScimUserProvisioned>(m => m.ProviderId == IngestionApiFixture.ProviderA && keys.Contains(m.User.UserName));
        Assert.Equal(keys.Length, provisioned.Count);
    }

    [Fact]
    public async Task Concurrent_updates_are_committed_together_and_each_gets_its_own_outcome()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var client = fixture.CreateScimClient(IngestionApiFixture.ProviderA);
        var names = Enumerable.Range(0, 30).Select(_ => UniqueName("upd")).ToList();
        var ids = new List<string>();
        foreach (var name in names)
        {
            ids.Add(await client.CreateUserAsync(name, ""","active":true,"title":"Engineer" """));
        }

        var other = await fixture.CreateScimClient(IngestionApiFixture.ProviderB).CreateUserAsync(UniqueName("other"));
        static string Replace(string path, string value) =>
            $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"{{path}}","value":{{value}}}]}""";

        // 30 PATCHes (one per user; the first user's twice more: a second PATCH and a PUT), a PATCH to a taken userName,
        // one with a stale If-Match, one to another provider's user, one whose filter matches no value of the user, one that
        // changes nothing, and one that deactivates: all at once.
        var writes = new List<Func<Task<ScimResponse>>>();
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{id}", Replace("title", $"\"Title {id}\"")));
        }

        writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{ids[0]}", Replace("displayName", "\"Sales\"")));
        writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{ids[1]}", Replace("userName", $"\"{names[2].ToUpperInvariant()}\"")));
        writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{ids[3]}", Replace("nickName", "\"x\""),
            r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"99\"")));
        writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{other}", Replace("title", "\"x\"")));
        writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{ids[4]}", Replace(""""emails[type ne \"work\"].value"""", "\"x\"")));
        writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{ids[5]}", Replace("active", "true")));
        writes.Add(() => fixture.CreateScimClient(IngestionApiFixture.ProviderA).PatchScimAsync($"/scim/v2/Users/{ids[6]}", Replace("active", "\"False\"")));
        var responses = await Task.WhenAll(writes.Select(w => w()));

        Assert.All(responses.Take(ids.Count), (r, i) =>
        {
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Equal($"Title {ids[i]}", r.Body!["title"]!.GetValue<string>());
        });
        var (second, taken, stale, foreign, badPath, unchanged, deactivated) =
            (responses[^7], responses[^6], responses[^5], responses[^4], responses[^3], responses[^2], responses[^1]);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal("Sales", second.Body!["displayName"]!.GetValue<string>());
        taken.AssertError(HttpStatusCode.Conflict, "uniqueness");
        stale.AssertError(HttpStatusCode.PreconditionFailed);
        foreign.AssertError(HttpStatusCode.NotFound);
        badPath.AssertError(HttpStatusCode.BadRequest, "noTarget");
        Assert.Equal(HttpStatusCode.OK, unchanged.Status);
        Assert.Equal(HttpStatusCode.OK, deactivated.Status);
        Assert.False(deactivated.Body!["active"]!.GetValue<bool>());

        // The stored rows: every change made one new version (the first user and the deactivated one two), the failed writes none.
        var users = await fixture.WithDbAsync(db => db.Users.AsNoTracking()
            .Where(u => u.ProviderId == IngestionApiFixture.ProviderA && names.Contains(u.UserName)).ToDictionaryAsync(u => u.Id.ToString(), cancellationToken));
        Assert.Equal(names.Count, users.Count);
        Assert.Equal(3, users[ids[0]].Version);
        Assert.Equal("Sales", users[ids[0]].DisplayName);
        Assert.Equal($"Title {ids[0]}", users[ids[0]].Resource["title"]!.GetValue<string>());
        Assert.All(ids.Skip(1), id => Assert.Equal(id == ids[6] ? 3 : 2, users[id].Version));
        Assert.Equal(names[1], users[ids[1]].UserName);
        Assert.Null(users[ids[3]].Resource["nickName"]);
        Assert.False(users[ids[6]].Active);

        // The rows share transactions: the writes were committed in batches.
        var keys = names.Select(n => n.ToLowerInvariant()).ToArray();
        var transactions = await fixture.WithDbAsync(db => db.Database
            .SqlQuery<string>($"SELECT xmin::text AS \"Value\" FROM ingestion.scim_users WHERE provider_id = {IngestionApiFixture.ProviderA} AND user_name_key = ANY({keys})")
            .ToListAsync(cancellationToken));
        Assert.True(transactions.Distinct().Count() < keys.Length / 2, $"{transactions.Distinct().Count()} transactions for {keys.Length} updates");

        // One event per new version: the first user's two updates, the deactivation.
        var first = Guid.Parse(ids[0]);
        await fixture.Harness.PublishedAsync<ScimUserUpdated>(m => m.UserId == first && m.Version == 3);
        Assert.Equal([2L, 3L], fixture.Harness.PublishedNow<ScimUserUpdated>(m => m.UserId == first).Select(m => m.Version).Order());
        var sixth = Guid.Parse(ids[6]);
        var deactivation = await fixture.Harness.PublishedAsync<ScimUserDeactivated>(m => m.UserId == sixth);
        Assert.Contains(deactivation.Version, new long[] { 2, 3 });
    }
}
