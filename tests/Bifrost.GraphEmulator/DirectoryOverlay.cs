using System.Collections.Concurrent;

namespace Bifrost.GraphEmulator;

/// <summary>
/// Changes made to the synthetic directory through the admin endpoint: what a real tenant would see happen between two
/// reconciliation runs (attribute edits, disables, deletions, renames, membership changes).
/// </summary>
public sealed class DirectoryOverlay
{
    private readonly ConcurrentDictionary<Guid, Func<DirectoryUser, DirectoryUser>> _userEdits = new();
    private readonly ConcurrentDictionary<Guid, bool> _deletedUsers = new();
    private readonly ConcurrentDictionary<int, string> _groupNames = new();
    private readonly ConcurrentDictionary<int, bool> _deletedGroups = new();
    private readonly ConcurrentDictionary<(int Group, int User), bool> _removed = new();
    private readonly ConcurrentDictionary<int, SortedSet<int>> _added = new();

    public DirectoryUser? Apply(DirectoryUser user) =>
        _deletedUsers.ContainsKey(user.Id) ? null : _userEdits.TryGetValue(user.Id, out var edit) ? edit(user) : user;

    public bool IsUserDeleted(Guid user) => _deletedUsers.ContainsKey(user);

    public string? GroupName(int group) => _groupNames.GetValueOrDefault(group);

    public bool IsGroupDeleted(int group) => _deletedGroups.ContainsKey(group);

    public bool IsMembershipRemoved(int group, int user) => _removed.ContainsKey((group, user));

    public IReadOnlyList<int> AddedMembers(int group)
    {
        if (!_added.TryGetValue(group, out var set))
        {
            return [];
        }

        lock (set)
        {
            return [.. set];
        }
    }

    /// <summary>The groups <paramref name="user"/> was added to (beyond the generated memberships).</summary>
    public IEnumerable<int> GroupsAddedTo(int user)
    {
        foreach (var (group, set) in _added)
        {
            bool member;
            lock (set)
            {
                member = set.Contains(user);
            }

            if (member)
            {
                yield return group;
            }
        }
    }

    public void EditUser(Guid id, Func<DirectoryUser, DirectoryUser> edit) =>
        _userEdits.AddOrUpdate(id, edit, (_, previous) => user => edit(previous(user)));

    public void DeleteUser(Guid id) => _deletedUsers[id] = true;

    public void RenameGroup(int group, string name) => _groupNames[group] = name;

    public void DeleteGroup(int group) => _deletedGroups[group] = true;

    public void RemoveMember(int group, int user) => _removed[(group, user)] = true;

    /// <summary>Adds a member; a generated membership that was removed is simply restored.</summary>
    public void AddMember(int group, int user, bool generated)
    {
        if (_removed.TryRemove((group, user), out _) || generated)
        {
            return;
        }

        var set = _added.GetOrAdd(group, _ => []);
        lock (set)
        {
            set.Add(user);
        }
    }
}
