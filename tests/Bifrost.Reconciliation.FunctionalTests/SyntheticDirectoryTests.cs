using Bifrost.GraphEmulator;

namespace Bifrost.Reconciliation.FunctionalTests;

public sealed class SyntheticDirectoryTests
{
    [Fact]
    public void Same_options_give_the_same_directory()
    {
        var a = new SyntheticDirectory(new DirectoryOptions(1000, 12, 5));
        var b = new SyntheticDirectory(new DirectoryOptions(1000, 12, 5));
        var c = new SyntheticDirectory(new DirectoryOptions(1000, 12, 6));

        Assert.Equal(Enumerable.Range(0, 1000).Select(a.GeneratedUser), Enumerable.Range(0, 1000).Select(b.GeneratedUser));
        Assert.NotEqual(a.GeneratedUser(3), c.GeneratedUser(3));
    }

    [Theory]
    [InlineData(1000, 12, 0)]
    [InlineData(1000, 12, 517)]
    [InlineData(97, 10, 0)]
    [InlineData(10, 30, 0)]
    public void Members_enumeration_matches_the_membership_rule(int users, int groups, int from)
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(users, groups));
        for (var g = 0; g < groups; g++)
        {
            var expected = Enumerable.Range(from, Math.Max(0, users - from)).Where(i => directory.GroupsOf(i).Contains(g));
            Assert.Equal(expected, directory.Members(g, from));
        }
    }

    [Fact]
    public void Ids_map_back_to_their_index_and_unknown_ids_do_not()
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(5000, 50));

        Assert.Equal(4321, directory.UserIndex(directory.UserId(4321)));
        Assert.Equal(42, directory.GroupIndex(directory.GroupId(42)));
        Assert.Null(directory.UserIndex(Guid.NewGuid()));
        Assert.Null(directory.UserIndex(directory.GroupId(1)));
        Assert.Null(directory.UserIndex(new SyntheticDirectory(new DirectoryOptions(5000, 50, 99)).UserId(1)));
    }

    [Fact]
    public void A_million_user_directory_costs_nothing_until_read()
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(1_000_000, 10_000));

        Assert.Equal(directory.UserId(999_999), directory.GeneratedUser(999_999).Id);
        Assert.Equal(directory.UserId(99_999), directory.GeneratedUser(999_999).ManagerId);
        // Group 7: every user of block 7 (10,000) plus the user at offset 7 in each of the 99 other blocks.
        Assert.Equal(10_099, directory.Members(7).Count());
    }
}
