using System.Text.Json.Serialization;
using Bifrost.GraphEmulator;

namespace Bifrost.EntraSimulator;

public enum ChangeKind
{
    /// <summary>department or jobTitle edited in the directory → PATCH Replace of the mapped attribute.</summary>
    Attribute,

    /// <summary>accountEnabled false in the directory → PATCH active "False".</summary>
    Disable,

    /// <summary>User removed from the app's scope (deleted in the emulator) → PATCH active "False": one disable, no DELETE.</summary>
    Unassign,

    /// <summary>A user added to a group → PATCH Add members.</summary>
    AddMember,

    /// <summary>A user removed from a group → PATCH Remove members.</summary>
    RemoveMember,
}

/// <summary>One change in the directory, and the emulator mutation that makes Graph show it.</summary>
public sealed record DirectoryChange(ChangeKind Kind, int UserIndex, int? GroupIndex = null, string? Attribute = null, string? Value = null)
{
    /// <summary>The same change as the Graph emulator's admin endpoint takes it (<c>POST /admin/mutations</c>).</summary>
    public EmulatorMutation ToMutation() => Kind switch
    {
        ChangeKind.Attribute => new("setAttribute", UserIndex, null, Attribute, Value),
        ChangeKind.Disable => new("disableUser", UserIndex),
        ChangeKind.Unassign => new("deleteUser", UserIndex),
        ChangeKind.AddMember => new("addMember", UserIndex, GroupIndex),
        _ => new("removeMember", UserIndex, GroupIndex),
    };
}

public sealed record EmulatorMutation(
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("userIndex")] int UserIndex,
    [property: JsonPropertyName("groupIndex")] int? GroupIndex = null,
    [property: JsonPropertyName("attribute")] string? Attribute = null,
    [property: JsonPropertyName("value")] string? Value = null);

/// <summary>
/// A seeded, deterministic set of directory changes for an incremental cycle: 40 % attribute edits, and 15 % each of
/// disables, unassignments, membership additions and membership removals. Every change touches a different user, and
/// only users assigned directly (and enabled, present), so a membership change never moves a user in or out of scope
/// and the changes never interfere with one another. Membership changes touch assigned groups only: Entra provisions
/// no other.
/// </summary>
public static class ChangeSet
{
    private static readonly string[] Departments = ["Engineering", "Research", "Sales", "Marketing", "Finance", "Legal", "Support", "Operations", "Design", "People"];
    private static readonly string[] Titles = ["Engineer", "Senior Engineer", "Staff Engineer", "Manager", "Director", "Analyst", "Designer", "Specialist", "Consultant", "Coordinator"];

    public static IReadOnlyList<DirectoryChange> Generate(SyntheticDirectory directory, int count, int seed)
    {
        var random = new Random(seed);
        var users = directory.Options.Users;
        var inScope = Enumerable.Range(0, users).Count(i => Changeable(directory, i));
        var changes = new List<DirectoryChange>(Math.Min(count, inScope));
        var picked = new HashSet<int>();
        var attempts = 0;
        while (changes.Count < count && picked.Count < inScope && attempts++ < count * 50)
        {
            var user = random.Next(users);
            if (!Changeable(directory, user) || !picked.Add(user))
            {
                continue;
            }

            var current = directory.User(user)!;
            var roll = random.Next(100);
            changes.Add(roll switch
            {
                < 20 => new DirectoryChange(ChangeKind.Attribute, user, Attribute: "department", Value: Other(Departments, current.Department, random)),
                < 40 => new DirectoryChange(ChangeKind.Attribute, user, Attribute: "jobTitle", Value: Other(Titles, current.JobTitle, random)),
                < 55 => new DirectoryChange(ChangeKind.Disable, user),
                < 70 => new DirectoryChange(ChangeKind.Unassign, user),
                < 85 => AddMember(directory, user, random),
                _ => RemoveMember(directory, user, random) ?? new DirectoryChange(ChangeKind.Attribute, user, Attribute: "department", Value: Other(Departments, current.Department, random)),
            });
        }

        return changes;
    }

    /// <summary>Entra's scope: see <see cref="SyntheticDirectory.IsUserInScope"/>.</summary>
    public static bool InScope(SyntheticDirectory directory, int user) => directory.IsUserInScope(user);

    /// <summary>Users a change may pick: assigned directly, present and enabled.</summary>
    private static bool Changeable(SyntheticDirectory directory, int user) =>
        directory.Options.IsAssigned(user) && directory.User(user) is { AccountEnabled: true };

    private static DirectoryChange AddMember(SyntheticDirectory directory, int user, Random random)
    {
        var groups = directory.Options.Groups;
        var start = random.Next(groups);
        for (var k = 0; k < groups; k++)
        {
            var group = (start + k) % groups;
            if (directory.IsGroupInScope(group) && !directory.IsGeneratedMember(group, user))
            {
                return new DirectoryChange(ChangeKind.AddMember, user, group);
            }
        }

        // Already in every assigned group: take one out instead.
        return RemoveMember(directory, user, random)!;
    }

    private static DirectoryChange? RemoveMember(SyntheticDirectory directory, int user, Random random)
    {
        var assigned = directory.GroupsOf(user).Where(directory.IsGroupInScope).ToArray();
        return assigned.Length == 0 ? null : new DirectoryChange(ChangeKind.RemoveMember, user, assigned[random.Next(assigned.Length)]);
    }

    private static string Other(string[] values, string current, Random random)
    {
        var value = values[random.Next(values.Length)];
        return value == current ? values[(Array.IndexOf(values, value) + 1) % values.Length] : value;
    }
}
