using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Bifrost.Ingestion.UnitTests;

public sealed class ScimProtocolPieceTests
{
    [Theory]
    [InlineData("W/\"3\"", 3, true)]
    [InlineData("\"3\"", 3, true)]
    [InlineData("W/\"2\", W/\"3\"", 3, true)]
    [InlineData("*", 9, true)]
    [InlineData("W/\"30\"", 3, false)]
    [InlineData("3", 3, false)]
    [InlineData("", 3, false)]
    public void ETag_matching_is_weak(string header, long version, bool matches) =>
        Assert.Equal(matches, ScimETag.Matches(new StringValues(header), version));

    [Fact]
    public void ETag_format_is_weak_quoted_version() => Assert.Equal("W/\"12\"", ScimETag.Format(12));

    [Theory]
    [InlineData(null, null, 1, 200)]
    [InlineData("0", "-5", 1, 0)]
    [InlineData("7", "1000", 7, 200)]
    [InlineData("-2", "5", 1, 5)]
    public void List_request_clamps_startIndex_and_count(string? startIndex, string? count, int expectedStart, int expectedCount)
    {
        var query = new Dictionary<string, StringValues>();
        if (startIndex is not null)
        {
            query["startIndex"] = startIndex;
        }

        if (count is not null)
        {
            query["count"] = count;
        }

        var request = ScimListRequest.FromQuery(new QueryCollection(query), 200);

        Assert.Equal(expectedStart, request.StartIndex);
        Assert.Equal(expectedCount, request.Count);
    }

    [Theory]
    [InlineData("count", "x")]
    [InlineData("startIndex", "1e3")]
    [InlineData("sortOrder", "up")]
    [InlineData("sortBy", "emails[type eq \"work\"]")]
    [InlineData("filter", "userName eq")]
    public void List_request_rejects_bad_parameters_with_400(string name, string value)
    {
        var exception = Assert.Throws<ScimException>(() => ScimListRequest.FromQuery(new QueryCollection(new Dictionary<string, StringValues> { [name] = value }), 200));

        Assert.Equal(HttpStatusCode.BadRequest, exception.Status);
        Assert.NotNull(exception.ScimType);
    }

    [Fact]
    public void Search_request_reads_members_case_insensitively()
    {
        var request = ScimListRequest.FromSearchRequest(JsonNode.Parse("""{"Filter":"userName eq \"a\"","STARTINDEX":3,"count":"4","sortBy":"userName","sortOrder":"descending","attributes":["userName"]}""")!.AsObject(), 200);

        Assert.NotNull(request.Filter);
        Assert.Equal(3, request.StartIndex);
        Assert.Equal(4, request.Count);
        Assert.True(request.Descending);
        Assert.Equal("userName", request.SortBy!.AttributeName);
        Assert.False(ReferenceEquals(ScimAttributeSelection.Default, request.Selection));
    }

    [Fact]
    public async Task Body_stream_fails_with_413_beyond_its_limit()
    {
        await using var small = new ScimBodyStream(new MemoryStream(Encoding.UTF8.GetBytes("{\"a\":1}")), 100);
        await using var large = new ScimBodyStream(new MemoryStream(new byte[200]), 100);

        Assert.Equal(7, await small.ReadAsync(new byte[50], TestContext.Current.CancellationToken));
        var exception = await Assert.ThrowsAsync<ScimException>(async () =>
        {
            var buffer = new byte[64];
            while (await large.ReadAsync(buffer, TestContext.Current.CancellationToken) > 0)
            {
            }
        });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, exception.Status);
    }

    [Fact]
    public void Stored_user_columns_follow_the_resource()
    {
        var resource = ScimUserMapping.PrepareForStorage(ScimResource.Normalize(JsonNode.Parse("""
            {"userName":"Mixed@Case.test","displayName":"Dé Lá","emails":[{"type":"home","value":"h@x.test"},{"type":"work","value":"W@X.test"}]}
            """)!.AsObject(), ScimSchemas.User));
        var user = new ScimUser();

        user.ApplyResource(resource);

        Assert.Equal("mixed@case.test", user.UserNameKey);
        Assert.Equal("dé lá", user.DisplayNameKey);
        Assert.Equal("w@x.test", user.EmailKey);
        Assert.Equal(["h@x.test", "w@x.test"], user.EmailKeys);
        Assert.True(user.Active);
        Assert.True(resource["active"]!.GetValue<bool>());
    }

    [Fact]
    public void Resource_json_puts_schemas_and_id_first_and_meta_last()
    {
        var id = Guid.NewGuid();
        var stored = JsonNode.Parse("""{"userName":"u","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}""")!.AsObject();

        var json = ScimResourceJson.Build(stored, clone: true, ScimConstants.UserSchema, id, "User", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 4, "https://h/scim/v2/Users/x");

        Assert.Equal(["schemas", "id", "userName", "meta"], json.Select(m => m.Key));
        Assert.Equal("W/\"4\"", json["meta"]!["version"]!.GetValue<string>());
        Assert.Equal("1970-01-01T00:00:00.000000Z", json["meta"]!["created"]!.GetValue<string>());
        Assert.Equal("u", stored["userName"]!.GetValue<string>());
    }
}
