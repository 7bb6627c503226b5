using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bifrost.TeamMapping.Apis;

/// <summary>Offset paging and name search, the same for teams, business units and their members.</summary>
internal static class Paging
{
    /// <summary>The 400 answer for an offset below 0 or a limit outside 1..<paramref name="maxLimit"/>; false when both are fine.</summary>
    public static bool IsInvalid(int offset, int limit, int maxLimit, [NotNullWhen(true)] out ValidationProblem? problem)
    {
        problem = offset < 0 || limit < 1 || limit > maxLimit
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["paging"] = [$"offset must be 0 or more and limit between 1 and {maxLimit}."] })
            : null;
        return problem is not null;
    }

    /// <summary>A LIKE pattern (escape character <c>\</c>) matching name keys that contain <paramref name="search"/>, case-insensitively.</summary>
    public static string ContainsPattern(string search) =>
        "%" + search.Trim().ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
}
