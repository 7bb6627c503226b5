using Bifrost.Ingestion.Services;
using Bifrost.Messaging;

namespace Bifrost.Ingestion.UnitTests;

/// <summary>
/// The member stripes a group write takes before the group's row lock (<see cref="ScimMemberLocks"/>): the ids a PATCH
/// adds must be foreseeable without the group, and the stripes must spread the ids this server issues.
/// </summary>
public sealed class ScimMemberLocksTests
{
    private const string A = "0195f3a2-1111-7000-8000-00000000000a";
    private const string B = "0195f3a2-2222-7000-8000-00000000000b";
    private const string C = "0195f3a2-3333-7000-8000-00000000000c";

    public static TheoryData<string> MemberPatches => new()
    {
        // entra-requests.md §3.5, as Entra sends it (capitalised op, $ref null)
        $$"""[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{{A}}"}]}]""",
        $$"""[{"op":"add","path":"members","value":[{"value":"{{A}}"},{"value":"{{B}}"}]}]""",
        $$$"""[{"op":"add","value":{"members":[{"value":"{{{A}}}"}],"displayName":"renamed"}}]""",
        $$"""[{"op":"replace","path":"members","value":[{"value":"{{B}}"},{"value":"{{C}}"}]}]""",
        $$"""[{"op":"Remove","path":"members","value":[{"value":"{{A}}"}]},{"op":"Add","path":"members","value":[{"value":"{{A}}"},{"value":"{{C}}"}]}]""",
        $$"""[{"op":"add","path":"members","value":[{"value":"{{A}}"},{"value":"{{B}}"}]},{"op":"remove","path":"members[value eq \"{{B}}\"]"}]""",
        $$"""[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"{{C}}"},{"value":"not-an-id"}]}]""",
        $$"""[{"op":"replace","path":"displayName","value":"only a rename"}]""",
        """[]""",
    };

    [Theory]
    [MemberData(nameof(MemberPatches))]
    public void The_members_a_patch_adds_are_foreseen_without_the_group(string operations)
    {
        var body = JsonNode.Parse($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{{operations}}}""")!.AsObject();
        var parsed = ScimPatch.Parse(body);
        var group = ScimResource.Normalize(JsonNode.Parse("""{"displayName":"Engineering","externalId":"e-1"}""")!.AsObject(), ScimSchemas.Group);

        var actual = ScimPatch.Apply(group, parsed, ScimSchemas.Group).Members.Added
            .Select(v => Guid.TryParseExact(v, "D", out var id) ? id : (Guid?)null).OfType<Guid>().Order();

        Assert.Equal(actual, ScimGroupService.PredictAddedMembers(parsed).Order());
    }

    [Fact]
    public void A_patch_that_cannot_be_applied_foresees_no_member_and_does_not_throw()
    {
        var parsed = ScimPatch.Parse(JsonNode.Parse("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":"not a list"}]}""")!.AsObject());

        Assert.Empty(ScimGroupService.PredictAddedMembers(parsed));
    }

    [Fact]
    public void Stripes_spread_issued_ids_over_every_stripe()
    {
        var counts = new int[IdStripes.Count];
        for (var i = 0; i < 64 * IdStripes.Count; i++)
        {
            counts[IdStripes.Of(Guid.CreateVersion7())]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 20, 120)); // 64 expected per stripe
    }
}

/// <summary>The bulkhead in front of group writes (<see cref="ScimGroupWriteGate"/>).</summary>
public sealed class ScimGroupWriteGateTests
{
    [Fact]
    public async Task No_more_group_writes_run_at_once_than_configured_and_the_rest_wait_their_turn()
    {
        var gate = new ScimGroupWriteGate(Microsoft.Extensions.Options.Options.Create(new ScimOptions { GroupWriteConcurrency = 2 }));
        var running = 0;
        var most = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writes = Enumerable.Range(0, 10).Select(i => gate.RunAsync(async () =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await release.Task;
            Interlocked.Decrement(ref running);
            return i;
        }, TestContext.Current.CancellationToken)).ToList();

        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(2, Volatile.Read(ref running)); // two run, eight wait
        release.SetResult();
        Assert.Equal(Enumerable.Range(0, 10), await Task.WhenAll(writes));
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task A_failed_group_write_gives_its_slot_back()
    {
        var gate = new ScimGroupWriteGate(Microsoft.Extensions.Options.Options.Create(new ScimOptions { GroupWriteConcurrency = 1 }));

        await Assert.ThrowsAsync<InvalidOperationException>(() => gate.RunAsync<int>(() => throw new InvalidOperationException(), TestContext.Current.CancellationToken));

        Assert.Equal(7, await gate.RunAsync(() => Task.FromResult(7), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
