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
    /// <summary>Every fifth user is not assigned to the enterprise application (out of scope for provisioning).</summary>
    public bool IsAssigned(int index) => index % 5 != 4;
}

/// <summary>
/// A deterministic directory computed on demand: user <c>i</c> and group <c>j</c> are pure functions of (seed, index),
/// so a million users need no memory. Every user is a member of two groups, <c>i mod G</c> and <c>(i div G) mod G</c>
/// (one when they coincide), so group <c>j</c>'s members can be enumerated in index order without scanning.
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

    public DirectoryGroup Group(int index)
    {
        var word = GroupWords[index % GroupWords.Length];
        var name = index < GroupWords.Length ? $"{word} Team" : $"{word} Team {index / GroupWords.Length + 1}";
        return new DirectoryGroup(GroupId(index), _overlay.GroupName(index) ?? name, $"grp-{index}");
    }

    public int? UserIndex(Guid id) => IndexOf("user", id, options.Users) is { } i && User(i) is not null ? i : null;

    public int? GroupIndex(Guid id) => IndexOf("group", id, options.Groups) is { } i && !_overlay.IsGroupDeleted(i) ? i : null;

    /// <summary>
    /// Members of group <paramref name="group"/> in user-index order, from <paramref name="fromIndex"/> on. Users come in
    /// blocks of G consecutive indices: in block b every user is a member when b mod G is the group, otherwise only the
    /// user at offset <c>group</c>.
    /// </summary>
    public IEnumerable<int> Members(int group, int fromIndex = 0)
    {
        var g = options.Groups;
        for (var block = Math.Max(0, fromIndex) / g; block * g < options.Users; block++)
        {
            var start = block * g;
            var candidates = block % g == group ? Enumerable.Range(start, g) : [start + group];
            foreach (var index in candidates)
            {
                if (index >= fromIndex && index < options.Users && !_overlay.IsMembershipRemoved(group, index) && User(index) is not null)
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

    /// <summary>The groups a user is a member of as generated: <c>i mod G</c> and <c>(i div G) mod G</c>.</summary>
    public IEnumerable<int> GroupsOf(int user) => new[] { user % options.Groups, user / options.Groups % options.Groups }.Distinct();

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
