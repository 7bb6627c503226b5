using Bifrost.GraphEmulator;

namespace Bifrost.EntraSimulator.UnitTests;

/// <summary>The generator's memberships-per-user parameter: counts, determinism, and enumeration = membership rule.</summary>
public sealed class MembershipsPerUserTests
{
    [Theory]
    [InlineData(1000, 100, 10, 0)]
    [InlineData(1000, 100, 10, 517)]
    [InlineData(997, 37, 5, 0)]
    [InlineData(997, 37, 5, 400)]
    [InlineData(50, 5, 5, 0)]
    [InlineData(50, 5, 1, 3)]
    [InlineData(10, 30, 4, 0)]
    public void Members_enumeration_matches_the_membership_rule_in_index_order(int users, int groups, int perUser, int from)
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(users, groups) { MembershipsPerUser = perUser });
        for (var g = 0; g < groups; g++)
        {
            var expected = Enumerable.Range(from, Math.Max(0, users - from)).Where(i => directory.IsGeneratedMember(g, i)).ToList();
            var actual = directory.Members(g, from).ToList();
            Assert.Equal(expected, actual);
            Assert.Equal(actual.Order(), actual);
        }
    }

    [Theory]
    [InlineData(1000, 100, 10)]
    [InlineData(997, 37, 5)]
    [InlineData(300, 30, 30)]
    public void Every_user_is_in_exactly_m_distinct_groups_and_the_total_is_users_times_m(int users, int groups, int perUser)
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(users, groups) { MembershipsPerUser = perUser });

        Assert.All(Enumerable.Range(0, users), i =>
        {
            var of = directory.GroupsOf(i).ToList();
            Assert.Equal(perUser, of.Count);
            Assert.Equal(perUser, of.Distinct().Count());
            Assert.All(of, g => Assert.InRange(g, 0, groups - 1));
        });
        Assert.Equal(users * perUser, Enumerable.Range(0, groups).Sum(g => directory.Members(g).Count()));
    }

    [Fact]
    public void A_hundred_thousand_users_in_ten_thousand_groups_give_a_million_memberships_computed_on_demand()
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(100_000, 10_000) { MembershipsPerUser = 10 });

        var sizes = Enumerable.Range(0, 10_000).Select(g => directory.Members(g).Count()).ToList();

        Assert.Equal(1_000_000, sizes.Sum());
        Assert.All(sizes, size => Assert.Equal(100, size));
        Assert.Equal([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000], directory.GroupsOf(0).Order());
    }

    [Fact]
    public void Same_options_give_the_same_memberships_and_another_parameter_different_ones()
    {
        var a = new SyntheticDirectory(new DirectoryOptions(2000, 40, 5) { MembershipsPerUser = 6 });
        var b = new SyntheticDirectory(new DirectoryOptions(2000, 40, 5) { MembershipsPerUser = 6 });
        var c = new SyntheticDirectory(new DirectoryOptions(2000, 40, 5) { MembershipsPerUser = 7 });

        for (var g = 0; g < 40; g++)
        {
            Assert.Equal(a.Members(g), b.Members(g));
        }

        Assert.NotEqual(a.Members(3), c.Members(3));
    }

    [Fact]
    public void Without_the_parameter_the_classic_two_group_layout_stays()
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(1000, 12));

        Assert.Null(directory.MembershipsPerUser);
        Assert.Equal([5, 1], directory.GroupsOf(17));
        Assert.Equal([0], directory.GroupsOf(0));
        Assert.Equal(Enumerable.Range(0, 1000).Where(i => i % 12 == 7 || i / 12 % 12 == 7), directory.Members(7));
    }

    [Fact]
    public void More_memberships_than_groups_is_clamped_to_every_group()
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(20, 4) { MembershipsPerUser = 9 });

        Assert.Equal(4, directory.MembershipsPerUser);
        Assert.Equal([0, 1, 2, 3], directory.GroupsOf(6).Order());
        Assert.Equal(Enumerable.Range(0, 20), directory.Members(2));
    }

    [Fact]
    public void Overlay_edits_still_apply_to_the_new_layout()
    {
        var directory = new SyntheticDirectory(new DirectoryOptions(100, 10) { MembershipsPerUser = 3 });
        var group = directory.GroupsOf(42).First();

        directory.Overlay.RemoveMember(group, 42);
        directory.Overlay.DeleteUser(directory.UserId(43));

        Assert.DoesNotContain(42, directory.Members(group));
        Assert.All(Enumerable.Range(0, 10), g => Assert.DoesNotContain(43, directory.Members(g)));
    }
}
