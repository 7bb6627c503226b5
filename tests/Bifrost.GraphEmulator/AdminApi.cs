using System.Text.Json.Serialization;

namespace Bifrost.GraphEmulator;

/// <summary>A change to the directory, as the admin endpoint takes them.</summary>
public sealed record DirectoryMutation(
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("userIndex")] int? UserIndex = null,
    [property: JsonPropertyName("groupIndex")] int? GroupIndex = null,
    [property: JsonPropertyName("attribute")] string? Attribute = null,
    [property: JsonPropertyName("value")] string? Value = null);

public sealed record ThrottleRequest(int Requests, int RetryAfterSeconds = 1);

/// <summary>
/// Test and demo controls (not Graph): describe the directory, mutate it, and throttle the next requests with 429.
/// </summary>
internal static class AdminApi
{
    public static void MapAdminApi(this WebApplication app)
    {
        var admin = app.MapGroup("/admin");
        admin.MapGet("/directory", (SyntheticDirectory directory, EmulatorState state) => Results.Ok(new
        {
            users = directory.Options.Users,
            groups = directory.Options.Groups,
            seed = directory.Options.Seed,
            servicePrincipalId = directory.ServicePrincipalId,
            requests = Interlocked.Read(ref state.Requests),
        }));
        admin.MapPost("/mutations", (DirectoryMutation[] mutations, SyntheticDirectory directory) =>
        {
            foreach (var mutation in mutations)
            {
                if (Apply(directory, mutation) is { } error)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { [mutation.Op] = [error] });
                }
            }

            return Results.NoContent();
        });
        admin.MapPost("/throttle", (ThrottleRequest request, EmulatorState state) =>
        {
            state.Throttle(request.Requests, request.RetryAfterSeconds);
            return Results.NoContent();
        });
    }

    private static string? Apply(SyntheticDirectory directory, DirectoryMutation m)
    {
        var user = m.UserIndex is { } u && u >= 0 && u < directory.Options.Users ? directory.UserId(u) : (Guid?)null;
        var group = m.GroupIndex is { } g && g >= 0 && g < directory.Options.Groups ? g : (int?)null;
        switch (m.Op)
        {
            case "disableUser" when user is { } id:
                directory.Overlay.EditUser(id, x => x with { AccountEnabled = false });
                return null;
            case "enableUser" when user is { } id:
                directory.Overlay.EditUser(id, x => x with { AccountEnabled = true });
                return null;
            case "deleteUser" when user is { } id:
                directory.Overlay.DeleteUser(id);
                return null;
            case "setAttribute" when user is { } id && m.Attribute is not null:
                directory.Overlay.EditUser(id, x => m.Attribute switch
                {
                    "department" => x with { Department = m.Value ?? "" },
                    "jobTitle" => x with { JobTitle = m.Value ?? "" },
                    "displayName" => x with { DisplayName = m.Value ?? "" },
                    "givenName" => x with { GivenName = m.Value ?? "" },
                    "surname" => x with { Surname = m.Value ?? "" },
                    "mail" => x with { Mail = m.Value },
                    "employeeId" => x with { EmployeeId = m.Value ?? "" },
                    _ => x,
                });
                return m.Attribute is "department" or "jobTitle" or "displayName" or "givenName" or "surname" or "mail" or "employeeId"
                    ? null : $"attribute '{m.Attribute}' cannot be set";
            case "renameGroup" when group is { } gi && !string.IsNullOrWhiteSpace(m.Value):
                directory.Overlay.RenameGroup(gi, m.Value);
                return null;
            case "deleteGroup" when group is { } gi:
                directory.Overlay.DeleteGroup(gi);
                return null;
            case "addMember" when group is { } gi && m.UserIndex is { } ui && user is not null:
                directory.Overlay.AddMember(gi, ui, generated: directory.GroupsOf(ui).Contains(gi));
                return null;
            case "removeMember" when group is { } gi && m.UserIndex is { } ui && user is not null:
                directory.Overlay.RemoveMember(gi, ui);
                return null;
            default:
                return $"'{m.Op}' needs valid userIndex/groupIndex (and attribute/value where relevant)";
        }
    }
}
