using Switchyard.Runtime.Network;

namespace Switchyard.Runtime.Tests.Network;

public sealed class PodIpAllocatorTests
{
    private static PodIpAllocator Allocator(string cidr)
    {
        Assert.True(Ipv4Range.TryParse(cidr, out var range, out _));
        return new PodIpAllocator(range!);
    }

    [Fact]
    public void Allocate_SkipsReservedAddresses_NeverTwice()
    {
        var ips = Allocator("127.64.0.0/29");
        Assert.True(ips.TryReserve("a", "127.64.0.2"));

        Assert.Equal("127.64.0.1", ips.Allocate("b"));
        Assert.Equal("127.64.0.3", ips.Allocate("c"));
        Assert.Equal("127.64.0.1", ips.Allocate("b"));
        Assert.False(ips.TryReserve("d", "127.64.0.3"));
        Assert.False(ips.TryReserve("d", "10.0.0.1"));
        Assert.False(ips.TryReserve("d", "127.64.0.7")); // broadcast
    }

    [Fact]
    public void Allocate_RangeExhausted_Null_ReleaseFreesOne()
    {
        var ips = Allocator("127.64.0.0/30");
        Assert.NotNull(ips.Allocate("a"));
        Assert.NotNull(ips.Allocate("b"));
        Assert.Null(ips.Allocate("c"));

        ips.Release("a");

        Assert.Equal("127.64.0.1", ips.Allocate("c"));
    }

    [Theory]
    [InlineData("127.64.0.0/12", null)]
    [InlineData("127.64.0.1/12", "\"127.64.0.1/12\" has host bits set; the network is 127.64.0.0/12")]
    [InlineData("127.64.0.0", "\"127.64.0.0\" is not an IPv4 CIDR (e.g. 127.64.0.0/12)")]
    [InlineData("fd00::/64", "\"fd00::/64\" is not an IPv4 CIDR (e.g. 127.64.0.0/12)")]
    public void TryParse_Cidr_ErrorMessages(string text, string? error)
    {
        var ok = Ipv4Range.TryParse(text, out _, out var actual);
        Assert.Equal(error is null, ok);
        Assert.Equal(error, actual);
    }

    [Fact]
    public void Options_Invalid_EveryProblemListed()
    {
        var options = new RuntimeOptions { PodCidr = "bad", StateDirectory = "", BackOffInitial = TimeSpan.Zero };
        Assert.Equal(
        [
            "PodCidr: \"bad\" is not an IPv4 CIDR (e.g. 127.64.0.0/12)",
            "StateDirectory: required (pod logs and pid files live there)",
            "BackOffInitial: must be positive",
        ], options.Validate());
    }
}
