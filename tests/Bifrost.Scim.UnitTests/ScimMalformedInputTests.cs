namespace Bifrost.Scim.UnitTests;

/// <summary>
/// Generated hostile input: truncations and mutations of valid filters, paths and bodies must either work or fail
/// with a 400 SCIM error that has a scimType, never with another exception.
/// </summary>
public sealed class ScimMalformedInputTests
{
    private const string Noise = "\"()[]\\ .:,$-_aeqnotrpAND0119\u00e9\t{}";

    private static readonly string[] ValidFilters =
    [
        "userName eq \"bjensen\"",
        "emails[type eq \"work\"].value eq \"user@contoso.com\"",
        "id eq \"2819c223\" and manager eq \"26118915\"",
        "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
        "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"x\\\"y\\u0041\"",
        "meta.lastModified gt \"2011-05-13T04:42:34Z\" and active eq TRUE and n le -1.5e3",
        "members[value eq \"a\"] and (title pr or externalId eq jyoung)",
    ];

    private static readonly string[] ValidPaths =
    [
        "emails[type eq \"work\"].value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]",
        "roles[primary eq \"True\"].display",
        "name.familyName",
    ];

    private static readonly string[] ValidUserBodies =
    [
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}""",
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"T@t"},{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}""",
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://x/Users/1","value":"1"}]},{"op":"Replace","path":"active","value":"False"}]}""",
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b0\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]},{"op":"remove","path":"addresses[type eq \"work\"].postalCode"}]}""",
    ];

    private static readonly string[] ValidGroupBodies =
    [
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]},{"op":"Replace","path":"displayName","value":"x"}]}""",
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"7f4b\"]"},{"op":"Remove","path":"members","value":[{"value":"u1091"}]}]}""",
    ];

    private static readonly string[] ValidCreateBodies =
    [
        """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"jyoung","userName":"jyoung@testuser.com","active":true,"addresses":null,"emails":[{"type":"work","value":"jyoung@Contoso.com","primary":true}],"name":{"familyName":"Young","givenName":"Joy"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m","employeeNumber":"1"},"roles":[{"primary":"True","value":"Admin"}]}""",
    ];

    private static JsonObject StoredUser() => ScimResource.Normalize(TestJson.Parse("""
        {"userName":"u","name":{"givenName":"g"},"emails":[{"value":"w@x","type":"work","primary":true}],"addresses":[{"type":"work","postalCode":"1"}],
         "roles":[{"value":"r","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m"}}
        """), ScimSchemas.User);

    /// <summary>Every prefix, every single-character deletion, and random insertions and replacements.</summary>
    private static IEnumerable<string> Mutations(string text, int seed, int random)
    {
        for (var i = 0; i < text.Length; i++)
        {
            yield return text[..i];
            yield return text.Remove(i, 1);
        }
        var rng = new Random(seed);
        for (var i = 0; i < random; i++)
        {
            var position = rng.Next(text.Length);
            var c = Noise[rng.Next(Noise.Length)];
            yield return rng.Next(2) == 0 ? text.Insert(position, c.ToString()) : text.Remove(position, 1).Insert(position, c.ToString());
        }
    }

    public static TheoryData<int> FilterIndexes() => [.. Enumerable.Range(0, ValidFilters.Length)];

    public static TheoryData<int> PathIndexes() => [.. Enumerable.Range(0, ValidPaths.Length)];

    [Theory]
    [MemberData(nameof(FilterIndexes))]
    public void Parse_mutated_filter_succeeds_or_throws_400_invalidFilter(int index)
    {
        var user = StoredUser();
        foreach (var text in Mutations(ValidFilters[index], index, 400))
        {
            try
            {
                var filter = ScimFilter.Parse(text);
                Assert.Equal(filter, ScimFilter.Parse(filter.ToString()));
                TestJson.SucceedsOrFailsWith400(() => ScimFilterEvaluator.Matches(user, filter, ScimSchemas.User), text);
            }
            catch (ScimException exception)
            {
                Assert.Equal(HttpStatusCode.BadRequest, exception.Status);
                Assert.Equal(ScimErrorType.InvalidFilter, exception.ScimType);
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathIndexes))]
    public void Parse_mutated_path_succeeds_or_throws_400_invalidPath(int index)
    {
        foreach (var text in Mutations(ValidPaths[index], index, 300))
        {
            try
            {
                var path = ScimAttributePath.Parse(text);
                Assert.Equal(path, ScimAttributePath.Parse(path.ToString()));
            }
            catch (ScimException exception)
            {
                Assert.Equal(ScimErrorType.InvalidPath, exception.ScimType);
            }
        }
    }

    [Fact]
    public void Apply_mutated_patch_paths_succeed_or_throw_400()
    {
        var user = StoredUser();
        foreach (var path in ValidPaths.SelectMany((p, i) => Mutations(p, i + 100, 100)))
        {
            foreach (var op in new[] { "add", "remove", "replace" })
            {
                var body = new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = op, ["path"] = path, ["value"] = "v" }) };
                TestJson.SucceedsOrFailsWith400(() => ScimPatch.Apply(user, body, ScimSchemas.User), path);
                TestJson.SucceedsOrFailsWith400(() => ScimPatch.Apply(new JsonObject { ["displayName"] = "g" }, body, ScimSchemas.Group), path);
            }
        }
    }

    [Fact]
    public void Parse_hostile_filters_throw_400_invalidFilter()
    {
        string[] hostile =
        [
            new string('(', 100_000),
            new string('(', 4000) + "a pr" + new string(')', 4000),
            string.Concat(Enumerable.Repeat("not (", 819)),
            string.Concat(Enumerable.Repeat("a[", 2000)),
            "a eq \"" + string.Concat(Enumerable.Repeat("\\u", 1000)),
            new string('a', 4097),
            "userName eq \"" + new string('x', 10_000_000) + "\"",
            "\0\0\0",
            "\ud800 eq \"\udfff\"",
        ];
        foreach (var text in hostile)
        {
            TestJson.Error(ScimErrorType.InvalidFilter, () => ScimFilter.Parse(text));
        }
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(3999)]
    public void Parse_filter_of_escaped_backslashes_succeeds_or_throws_400(int count)
    {
        var text = "a eq \"" + new string('\\', count) + "\"";
        TestJson.SucceedsOrFailsWith400(() => Assert.Equal(new string('\\', count / 2), ((ScimComparisonFilter)ScimFilter.Parse(text)).Value), text);
    }

    [Fact]
    public void Parse_lone_surrogate_in_string_round_trips()
    {
        var filter = ScimFilter.Parse("a eq \"\ud800\"");
        Assert.Equal(filter, ScimFilter.Parse(filter.ToString()));
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 10)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Apply_randomly_mutated_patch_bodies_succeed_or_throw_400(int seed)
    {
        var random = new Random(seed);
        var user = StoredUser();
        var group = ScimResource.Normalize(TestJson.Parse("""{"displayName":"g"}"""), ScimSchemas.Group);
        for (var i = 0; i < 150; i++)
        {
            var (source, resource, schema) = random.Next(3) == 0
                ? (ValidGroupBodies[random.Next(ValidGroupBodies.Length)], group, ScimSchemas.Group)
                : (ValidUserBodies[random.Next(ValidUserBodies.Length)], user, ScimSchemas.User);
            var body = TestJson.Parse(source);
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                Mutate(body, random);
            }
            var text = body.ToJsonString();
            TestJson.SucceedsOrFailsWith400(() => ScimPatch.Apply(resource, TestJson.Parse(text), schema), text);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Normalize_randomly_mutated_bodies_succeed_or_throw_400(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 150; i++)
        {
            var body = TestJson.Parse(ValidCreateBodies[0]);
            for (var m = random.Next(1, 5); m > 0; m--)
            {
                Mutate(body, random);
            }
            var text = body.ToJsonString();
            TestJson.SucceedsOrFailsWith400(() => ScimResource.Normalize(TestJson.Parse(text), ScimSchemas.User), text);
            TestJson.SucceedsOrFailsWith400(() => ScimResource.Normalize(TestJson.Parse(text), ScimSchemas.Group), text);
        }
    }

    [Fact]
    public void Apply_huge_values_are_stored_without_error()
    {
        var huge = new string('x', 1_000_000);
        var result = ScimPatch.Apply(StoredUser(), new JsonObject
        {
            ["Operations"] = new JsonArray(
                new JsonObject { ["op"] = "replace", ["path"] = "displayName", ["value"] = huge },
                new JsonObject { ["op"] = "add", ["path"] = "emails[type eq \"other\"].value", ["value"] = huge }),
        }, ScimSchemas.User);
        Assert.Equal(huge, result.Resource["displayName"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_many_operations_and_members_completes()
    {
        var ids = Enumerable.Range(0, 20_000).Select(i => (JsonNode)new JsonObject { ["value"] = $"member-{i}" }).ToArray();
        var body = new JsonObject
        {
            ["Operations"] = new JsonArray(
                new JsonObject { ["op"] = "add", ["path"] = "members", ["value"] = new JsonArray(ids) },
                new JsonObject { ["op"] = "remove", ["path"] = "members[value eq \"member-5\"]" }),
        };
        var result = ScimPatch.Apply(new JsonObject { ["displayName"] = "big" }, body, ScimSchemas.Group);
        Assert.Equal(19_999, result.Members.Added.Count);
        Assert.Equal(["member-5"], result.Members.Removed);
    }

    /// <summary>Replaces, removes or renames one random node of the tree.</summary>
    private static void Mutate(JsonObject root, Random random)
    {
        var nodes = Descendants(root).ToList();
        if (nodes.Count == 0)
        {
            return;
        }
        var target = nodes[random.Next(nodes.Count)];
        var parent = target.Parent;
        var replacement = RandomValue(random);
        switch (parent)
        {
            case JsonObject obj:
                var key = obj.First(p => ReferenceEquals(p.Value, target)).Key;
                switch (random.Next(4))
                {
                    case 0:
                        obj.Remove(key);
                        break;
                    case 1:
                        obj.Remove(key);
                        obj[RandomKey(random)] = replacement;
                        break;
                    default:
                        obj[key] = replacement;
                        break;
                }
                break;
            case JsonArray array:
                var index = array.IndexOf(target);
                if (random.Next(3) == 0)
                {
                    array.RemoveAt(index);
                }
                else
                {
                    array[index] = replacement;
                }
                break;
        }
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node) => node switch
    {
        JsonObject obj => obj.Select(p => p.Value).OfType<JsonNode>().SelectMany(c => Descendants(c).Prepend(c)),
        JsonArray array => array.OfType<JsonNode>().SelectMany(c => Descendants(c).Prepend(c)),
        _ => [],
    };

    private static string RandomKey(Random random) => new[]
    {
        "op", "path", "value", "Operations", "schemas", "members", "emails", "active", "manager", "userName", "name.givenName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "id", "meta", "primary", "type", "groups", "password", "x[", "", "urn:x:y",
    }[random.Next(22)];

    private static JsonNode? RandomValue(Random random) => random.Next(12) switch
    {
        0 => null,
        1 => true,
        2 => "False",
        3 => 42.5,
        4 => "",
        5 => new JsonArray(),
        6 => new JsonObject(),
        7 => new JsonArray(new JsonObject { ["value"] = "x", ["primary"] = true }, new JsonObject { ["value"] = "y", ["primary"] = "true" }),
        8 => new JsonObject { ["value"] = new JsonArray(1, 2), ["type"] = "work" },
        9 => "emails[type eq \"work\"",
        10 => "{\"value\":\"25\"}",
        _ => new JsonObject { ["op"] = "remove", ["path"] = "members" },
    };
}
