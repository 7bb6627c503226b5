using System.Security.Cryptography;
using System.Text;

namespace Bifrost.GraphEmulator;

public sealed record DirectoryUser(
    Guid Id, string UserPrincipalName, string DisplayName, string GivenName, string Surname, string? Mail,
    string Department, string JobTitle, string EmployeeId, string MailNickname, Guid? ManagerId, bool AccountEnabled);

public sealed record DirectoryGroup(Guid Id, string DisplayName, string MailNickname);

/// <summary>Shape of a synthetic directory: same options and seed, same directory, whatever the size.</summary>
public sealed record DirectoryOptions(int Users = 300, int Groups = 30, int Seed = 42, string Domain = "contoso.test")
{
    /// <summary>
    /// Groups per user. Null (the default) keeps the classic layout: two groups, <c>i mod G</c> and
    /// <c>(i div G) mod G</c>. A value m (clamped to 1..G) spreads every user over m distinct groups
    /// <c>(i + k·⌊G/m⌋) mod G</c> for k = 0..m-1, so 100k users × 10k groups × 10 give 1M memberships.
    /// </summary>
    public int? MembershipsPerUser { get; init; }

    /// <summary>Every fifth user is not assigned to the enterprise application directly.</summary>
    public bool IsAssigned(int index) => index % 5 != 4;

    /// <summary>
    /// Every fourth group is not assigned to the enterprise application: Entra does not provision it, and its members are
    /// in scope only when assigned directly or through another, assigned group.
    /// </summary>
    public bool IsGroupAssigned(int index) => index % 4 != 3;
}

/// <summary>
/// A deterministic directory computed on demand: user <c>i</c> and group <c>j</c> are pure functions of (seed, index),
/// so a million users need no memory. By default every user is a member of two groups, <c>i mod G</c> and
/// <c>(i div G) mod G</c> (one when they coincide); with <see cref="DirectoryOptions.MembershipsPerUser"/> m, of the m
/// groups <c>(i + k·⌊G/m⌋) mod G</c>. Either way group <c>j</c>'s members can be enumerated in index order without
/// scanning.
/// Mutations (attribute changes, disables, deletions, membership edits) are kept in a small overlay.
/// </summary>
public sealed class SyntheticDirectory(DirectoryOptions options)
{
    private static readonly string[] GivenNames = ["Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jonas", "Keira", "Liam", "Maya", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe"];
    private static readonly string[] Surnames = ["Adams", "Bauer", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Young", "Zimmer"];
    private static readonly string[] Departments = ["Engineering", "Research", "Sales", "Marketing", "Finance", "Legal", "Support", "Operations", "Design", "People"];
    private static readonly string[] Titles = ["Engineer", "Senior Engineer", "Staff Engineer", "Manager", "Director", "Analyst", "Designer", "Specialist", "Consultant", "Coordinator"];
    private static readonly string[] GroupWords = ["Platform", "Data", "Security", "Mobile", "Web", "Growth", "Payments", "Identity", "Infra", "Search", "Billing", "Analytics"];

    private readonly DirectoryOverlay _overlay = new();

    public DirectoryOptions Options => options;

    public DirectoryOverlay Overlay => _overlay;

    public Guid UserId(int index) => DeterministicGuid("user", index);

    public Guid GroupId(int index) => DeterministicGuid("group", index);

    public Guid ServicePrincipalId => DeterministicGuid("sp", 0);

    public Guid AppRoleId => DeterministicGuid("app-role", 0);

    /// <summary>The user at <paramref name="index"/> as generated, before the overlay.</summary>
    public DirectoryUser GeneratedUser(int index)
    {
        var given = GivenNames[Mix(index, 1) % GivenNames.Length];
        var surname = Surnames[Mix(index, 2) % Surnames.Length];
        var nickname = $"{given}.{surname}{index}".ToLowerInvariant();
        return new DirectoryUser(
            UserId(index),
            $"{nickname}@{options.Domain}",
            $"{given} {surname}",
            given,
            surname,
            index % 17 == 16 ? null : $"{nickname}@{options.Domain}", // cloud-only users without a mailbox have no mail
            Departments[Mix(index, 3) % Departments.Length],
            Titles[Mix(index, 4) % Titles.Length],
            (100000 + index).ToString(System.Globalization.CultureInfo.InvariantCulture),
            nickname,
            index == 0 ? null : UserId(index / 10),
            AccountEnabled: index % 23 != 22);
    }

    /// <summary>The user as the directory holds it now (overlay applied), or null when deleted.</summary>
    public DirectoryUser? User(int index) => index < 0 || index >= options.Users ? null : _overlay.Apply(GeneratedUser(index));

    /// <summary>Whether user <paramref name="index"/> exists (is generated and not deleted), without generating it.</summary>
    public bool UserExists(int index) => index >= 0 && index < options.Users && !_overlay.IsUserDeleted(UserId(index));

    public DirectoryGroup Group(int index)
    {
        var word = GroupWords[index % GroupWords.Length];
        var name = index < GroupWords.Length ? $"{word} Team" : $"{word} Team {index / GroupWords.Length + 1}";
        return new DirectoryGroup(GroupId(index), _overlay.GroupName(index) ?? name, $"grp-{index}");
    }

    public int? UserIndex(Guid id) => IndexOf("user", id, options.Users) is { } i && User(i) is not null ? i : null;

    public int? GroupIndex(Guid id) => IndexOf("group", id, options.Groups) is { } i && !_overlay.IsGroupDeleted(i) ? i : null;

    /// <summary>Whether group <paramref name="group"/> exists and is assigned to the enterprise app (so Entra provisions it).</summary>
    public bool IsGroupInScope(int group) =>
        group >= 0 && group < options.Groups && options.IsGroupAssigned(group) && !_overlay.IsGroupDeleted(group);

    /// <summary>
    /// Entra's scope with "sync only assigned users and groups": the user exists and is assigned to the enterprise app
    /// directly or as a member of an assigned group (the same rule the reconciliation applies to Graph's answers).
    /// Disabled accounts are in scope; Entra provisions them with <c>active</c> false.
    /// </summary>
    public bool IsUserInScope(int user) =>
        User(user) is not null && (options.IsAssigned(user) || CurrentGroupsOf(user).Any(IsGroupInScope));

    /// <summary>The groups a user is a member of now: as generated, less removed memberships, plus added ones.</summary>
    public IEnumerable<int> CurrentGroupsOf(int user) =>
        GroupsOf(user).Where(g => !_overlay.IsMembershipRemoved(g, user)).Concat(_overlay.GroupsAddedTo(user)).Distinct();

    /// <summary>
    /// Members of group <paramref name="group"/> in user-index order, from <paramref name="fromIndex"/> on. Users come in
    /// blocks of G consecutive indices. Classic layout: in block b every user is a member when b mod G is the group,
    /// otherwise only the user at offset <c>group</c>. With m memberships per user: in every block the users at the m
    /// offsets <c>(group - k·⌊G/m⌋) mod G</c>.
    /// </summary>
    public IEnumerable<int> Members(int group, int fromIndex = 0)
    {
        var g = options.Groups;
        var offsets = MembershipsPerUser is { } m ? MemberOffsets(group, m) : null;
        for (var block = Math.Max(0, fromIndex) / g; block * g < options.Users; block++)
        {
            var start = block * g;
            var candidates = offsets is not null ? offsets.Select(o => start + o)
                : block % g == group ? Enumerable.Range(start, g) : [start + group];
            foreach (var index in candidates)
            {
                if (index >= fromIndex && index < options.Users && !_overlay.IsMembershipRemoved(group, index) && UserExists(index))
                {
                    yield return index;
                }
            }
        }

        foreach (var extra in _overlay.AddedMembers(group).Where(x => x >= fromIndex))
        {
            yield return extra;
        }
    }

    /// <summary>
    /// The groups a user is a member of as generated: <c>i mod G</c> and <c>(i div G) mod G</c>, or with m memberships
    /// per user the m distinct groups <c>(i + k·⌊G/m⌋) mod G</c>.
    /// </summary>
    public IEnumerable<int> GroupsOf(int user)
    {
        var g = options.Groups;
        if (MembershipsPerUser is not { } m)
        {
            return new[] { user % g, user / g % g }.Distinct();
        }

        var step = g / m;
        return Enumerable.Range(0, m).Select(k => (int)((user + (long)k * step) % g));
    }

    /// <summary>Whether the generated directory (before the overlay) makes <paramref name="user"/> a member of <paramref name="group"/>.</summary>
    public bool IsGeneratedMember(int group, int user) => GroupsOf(user).Contains(group);

    /// <summary>The effective memberships per user (clamped to 1..G), or null for the classic two-group layout.</summary>
    public int? MembershipsPerUser => options.MembershipsPerUser is { } m ? Math.Clamp(m, 1, Math.Max(1, options.Groups)) : null;

    /// <summary>The sorted, distinct offsets within a block of G users whose user belongs to <paramref name="group"/>.</summary>
    private int[] MemberOffsets(int group, int m)
    {
        var g = options.Groups;
        var step = g / m;
        var offsets = new int[m];
        for (var k = 0; k < m; k++)
        {
            offsets[k] = (int)(((group - (long)k * step) % g + g) % g);
        }

        Array.Sort(offsets);
        return offsets;
    }

    /// <summary>A stable integer hash of (seed, index, salt): the same on every run and machine (unlike HashCode).</summary>
    private int Mix(int index, int salt)
    {
        var x = ((ulong)(uint)options.Seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)index * 0xBF58476D1CE4E5B9UL) ^ ((ulong)(uint)salt * 0x94D049BB133111EBUL);
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x % 1_000_003UL);
    }
    private Guid DeterministicGuid(string kind, int index)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{options.Seed}:{kind}:{index}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x40); // version 4 layout
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        BitConverter.TryWriteBytes(hash[12..16], index); // the index, so an id maps back without a lookup table
        return new Guid(hash[..16]);
    }

    /// <summary>The index encoded in a generated id, when the id really is the generated one of that kind.</summary>
    internal int? IndexOf(string kind, Guid id, int count)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        var index = BitConverter.ToInt32(bytes[12..16]);
        return index >= 0 && index < count && DeterministicGuid(kind, index) == id ? index : null;
    }
}
