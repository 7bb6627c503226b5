using Bifrost.Ingestion.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bifrost.Ingestion.UnitTests;

/// <summary>
/// The SQL predicate built for a filter must select a superset of what <see cref="ScimFilterEvaluator"/> matches, and
/// exactly that set when it claims to be exact. Checked in memory (the compiled expression) over sample users.
/// </summary>
public sealed class ScimFilterTranslatorTests : IDisposable
{
    private static readonly Guid Provider = Guid.NewGuid();
    private static readonly DateTimeOffset Created = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly IngestionDbContext _db = new(new DbContextOptionsBuilder<IngestionDbContext>().UseNpgsql("Host=unused").Options);

    public void Dispose() => _db.Dispose();

    private static readonly string[] Resources =
    [
        """{"userName":"Alice@Contoso.com","externalId":"ext-A","displayName":"Alice Liddell","title":"Engineer","active":true,"emails":[{"type":"work","value":"Alice@Contoso.com","primary":true}]}""",
        """{"userName":"bob@contoso.com","externalId":"ext-b","active":false,"emails":[{"type":"home","value":"bob@home.test"},{"type":"work","value":"Bob@Contoso.com"}],"name":{"familyName":"Builder"}}""",
        """{"userName":"carol@fabrikam.com","displayName":"Carol","emails":[{"type":"home","value":"carol@home.test"}]}""",
        """{"userName":"dave@fabrikam.com","externalId":"EXT-D","active":"False","title":"Manager","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"42"}}""",
        """{"userName":"eve@x.test","emails":[{"type":"work","value":"shared@x.test"},{"type":"other","value":"shared@x.test"}]}""",
    ];

    public static TheoryData<string> Filters() =>
    [
        "userName eq \"alice@contoso.com\"",
        "userName ne \"ALICE@contoso.com\"",
        "userName sw \"B\"",
        "userName ew \"FABRIKAM.COM\"",
        "userName co \"@\"",
        "userName gt \"c\"",
        "userName eq null",
        "userName pr",
        "externalId eq \"ext-A\"",
        "externalId eq \"EXT-A\"",
        "externalId ne \"ext-b\"",
        "externalId sw \"ext\"",
        "externalId pr",
        "externalId eq null",
        "externalId ne null",
        "displayName eq \"carol\"",
        "displayName co \"LIDDELL\"",
        "displayName ne \"carol\"",
        "active eq true",
        "active eq false",
        "active ne true",
        "active eq \"False\"",
        "active eq \"maybe\"",
        "active gt true",
        "emails[type eq \"work\"].value eq \"bob@contoso.com\"",
        "emails[type eq \"work\"].value eq \"bob@home.test\"",
        "emails.value eq \"bob@home.test\"",
        "emails eq \"CAROL@home.test\"",
        "emails.value eq \"shared@x.test\"",
        "emails.value pr",
        "emails.value co \"home\"",
        "title eq \"engineer\"",
        "title pr or externalId eq \"ext-b\"",
        "not (title pr) and userName sw \"c\"",
        "not (userName eq \"bob@contoso.com\")",
        "not (title eq \"Manager\")",
        "userName eq \"bob@contoso.com\" and title eq \"x\"",
        "(userName sw \"a\" or userName sw \"b\") and active eq true",
        "manager eq \"42\"",
        "name.familyName sw \"b\"",
        "id pr",
        "id eq \"not-a-guid\"",
        "id ne \"not-a-guid\"",
        "meta.created eq \"2026-01-02T03:04:05Z\"",
        "meta.created gt \"2026-01-02T03:04:05Z\"",
        "meta.created ge \"2026-01-02T04:04:05+01:00\"",
        "meta.lastModified lt \"2030-01-01\"",
        "meta.created gt \"not a date\"",
        "meta.created sw \"2026\"",
        "meta pr",
    ];

    [Theory]
    [MemberData(nameof(Filters))]
    public void Predicate_is_a_superset_of_the_evaluator_and_exact_when_it_says_so(string text)
    {
        var users = Resources.Select(Stored).ToList();
        var filter = ScimFilter.Parse(text);
        var translated = new ScimUserFilterTranslator(_db, Provider).Translate(filter);
        var predicate = translated.Predicate?.Compile() ?? (_ => true);

        foreach (var user in users)
        {
            var expected = ScimFilterEvaluator.Matches(ScimResourceJson.Build(user.Resource, true, ScimConstants.UserSchema, user.Id, "User", user.CreatedAt, user.LastModifiedAt, user.Version, "/Users/x"), filter, ScimSchemas.User);
            var selected = predicate(user);
            if (expected)
            {
                Assert.True(selected, $"{text}: the SQL predicate drops {user.UserName}, which matches");
            }
            else if (translated.Exact)
            {
                Assert.False(selected, $"{text}: the exact SQL predicate selects {user.UserName}, which does not match");
            }
        }
    }

    [Theory]
    [InlineData("userName eq \"x\"", true, true)]
    [InlineData("externalId eq \"x\" and displayName eq \"y\"", true, true)]
    [InlineData("emails[type eq \"work\"].value eq \"x\"", true, false)]
    [InlineData("title eq \"x\"", false, false)]
    [InlineData("userName eq \"x\" and title eq \"y\"", true, false)]
    [InlineData("userName eq \"x\" or title eq \"y\"", false, false)]
    [InlineData("not (userName eq \"x\")", true, true)]
    [InlineData("not (title eq \"x\")", false, false)]
    [InlineData("members[value eq \"x\"]", false, false)]
    public void Indexed_parts_become_sql_and_the_rest_is_left_to_the_evaluator(string text, bool hasPredicate, bool exact)
    {
        var translated = new ScimUserFilterTranslator(_db, Provider).Translate(ScimFilter.Parse(text));

        Assert.Equal(hasPredicate, translated.Predicate is not null);
        Assert.Equal(exact, translated.Exact);
    }

    [Theory]
    [InlineData("displayName eq \"x\"", true)]
    [InlineData("members[value eq \"00000000-0000-0000-0000-000000000001\"]", true)]
    [InlineData("members.value eq \"00000000-0000-0000-0000-000000000001\"", true)]
    [InlineData("members pr", true)]
    [InlineData("members[type eq \"User\"]", false)]
    [InlineData("externalId eq \"x\" and members eq \"y\"", true)]
    public void Group_member_tests_are_exact_sql(string text, bool exact)
    {
        var translated = new ScimGroupFilterTranslator(_db, Provider).Translate(ScimFilter.Parse(text));

        Assert.Equal(exact, translated.Exact);
    }

    private static ScimUser Stored(string json, int index)
    {
        var resource = ScimUserMapping.PrepareForStorage(ScimResource.Normalize(JsonNode.Parse(json)!.AsObject(), ScimSchemas.User));
        var user = new ScimUser
        {
            Id = Guid.Parse($"00000000-0000-4000-8000-00000000000{index}"),
            ProviderId = Provider,
            Version = 1,
            CreatedAt = Created.AddHours(index),
            LastModifiedAt = Created.AddHours(index),
        };
        user.ApplyResource(resource);
        return user;
    }
}
