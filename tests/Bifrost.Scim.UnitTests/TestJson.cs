namespace Bifrost.Scim.UnitTests;

/// <summary>Helpers shared by the tests: JSON parsing, comparison and SCIM error assertions.</summary>
internal static class TestJson
{
    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>Asserts semantic JSON equality (member order ignored) and shows both documents on failure.</summary>
    public static void Equal(string expected, JsonNode? actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        Assert.True(JsonNode.DeepEquals(expectedNode, actual), $"Expected:\n{expectedNode?.ToJsonString()}\nActual:\n{actual?.ToJsonString()}");
    }

    public static ScimException Error(string scimType, Action action)
    {
        var exception = Assert.Throws<ScimException>(action);
        Assert.Equal(HttpStatusCode.BadRequest, exception.Status);
        Assert.Equal(scimType, exception.ScimType);
        return exception;
    }

    /// <summary>Runs <paramref name="action"/>; it may succeed or fail, but only with a 400 SCIM error.</summary>
    public static void SucceedsOrFailsWith400(Action action, string input)
    {
        try
        {
            action();
        }
        catch (ScimException exception)
        {
            Assert.True(exception.Status == HttpStatusCode.BadRequest && exception.ScimType is not null, $"Input: {input}\n{exception}");
        }
        catch (Exception exception)
        {
            Assert.Fail($"Input {input} threw {exception.GetType().Name}: {exception}");
        }
    }
}
