using System.Net;
using Switchyard.Model.Networking;

namespace Switchyard.Model.Tests.Networking;

public sealed class IpPrefixTests
{
    // {text, parses, host bits set, canonical (the masked network)}
    [Theory]
    [InlineData("10.0.0.0/8", true, false, "10.0.0.0/8")]
    [InlineData("10.0.0.1/8", true, true, "10.0.0.0/8")]
    [InlineData("0.0.0.0/0", true, false, "0.0.0.0/0")]
    [InlineData("1.2.3.4/0", true, true, "0.0.0.0/0")]
    [InlineData("192.0.2.1/32", true, false, "192.0.2.1/32")]
    [InlineData("2001:db8::/32", true, false, "2001:db8::/32")]
    [InlineData("2001:db8::1/64", true, true, "2001:db8::/64")]
    [InlineData("::/0", true, false, "::/0")]
    [InlineData("2001:db8::1/128", true, false, "2001:db8::1/128")]
    [InlineData("10.0.0.0/33", false, false, "")]
    [InlineData("::/129", false, false, "")]
    [InlineData("10.0.0.0/08", false, false, "")]   // leading zero in the length
    [InlineData("010.0.0.0/8", false, false, "")]   // leading zero in an octet
    [InlineData("10.1/8", false, false, "")]
    [InlineData("10.0.0.0/-1", false, false, "")]
    [InlineData("10.0.0.0/+8", false, false, "")]
    [InlineData("10.0.0.0/", false, false, "")]
    [InlineData("/8", false, false, "")]
    [InlineData("10.0.0.0", false, false, "")]
    [InlineData("fe80::%eth0/64", false, false, "")]
    [InlineData("[::1]/64", false, false, "")]
    [InlineData("nonsense/8", false, false, "")]
    [InlineData("", false, false, "")]
    public void TryParse_Strict_Table(string text, bool parses, bool hostBitsSet, string canonical)
    {
        Assert.Equal(parses, IpPrefix.TryParse(text, out var network, out var hostBits));
        if (!parses) return;
        Assert.Equal(hostBitsSet, hostBits);
        Assert.Equal(canonical, network.ToString());
        Assert.Equal(!hostBitsSet, IpPrefix.TryParse(text, out var exact));
        Assert.Equal(hostBitsSet ? default : network, exact);
    }

    [Theory]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("010.0.0.0/8", "10.0.0.0/8")]     // decimal, as Kubernetes reads legacy values; never octal
    [InlineData("10.0.0.0/08", "10.0.0.0/8")]
    [InlineData("2001:db8::1/64", "2001:db8::/64")]
    [InlineData("192.0.2.1/32", "192.0.2.1/32")]
    public void TryParseLenient_HostBitsAndLeadingZeros_Normalized(string text, string canonical)
    {
        Assert.True(IpPrefix.TryParseLenient(text, out var prefix));
        Assert.Equal(canonical, prefix.ToString());
    }

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/0008")]
    [InlineData("nonsense/8")]
    [InlineData("10.1/8")]
    [InlineData("fe80::%eth0/64")]
    public void TryParseLenient_Invalid_False(string text) => Assert.False(IpPrefix.TryParseLenient(text, out _));

    // {prefix, address, contained}
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.0.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.0/8", "9.255.255.255", false)]
    [InlineData("0.0.0.0/0", "203.0.113.5", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::/0", "10.0.0.1", false)]
    [InlineData("2001:db8::/127", "2001:db8::1", true)]
    [InlineData("2001:db8::/127", "2001:db8::2", false)]
    [InlineData("192.0.2.1/32", "192.0.2.1", true)]
    [InlineData("192.0.2.1/32", "192.0.2.2", false)]
    [InlineData("::ffff:0:0/96", "10.0.0.1", false)]   // families never mix
    public void Contains_Table(string prefix, string address, bool contained)
    {
        var block = Prefix(prefix);
        Assert.True(NetAddress.TryParse(address, out var a));
        Assert.Equal(contained, block.Contains(a));
        Assert.Equal(contained, block.Contains(IPAddress.Parse(address)));
    }

    // {outer, inner, covers, overlaps}
    [Theory]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", true, true)]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", true, true)]
    [InlineData("10.1.0.0/16", "10.0.0.0/8", false, true)]
    [InlineData("10.0.0.0/8", "11.0.0.0/8", false, false)]
    [InlineData("0.0.0.0/0", "192.0.2.0/24", true, true)]
    [InlineData("0.0.0.0/0", "::/0", false, false)]
    [InlineData("2001:db8::/32", "2001:db8:1::/48", true, true)]
    [InlineData("2001:db8::/32", "2001:db9::/48", false, false)]
    public void CoversAndOverlaps_Table(string outer, string inner, bool covers, bool overlaps)
    {
        Assert.Equal(covers, Prefix(outer).Covers(Prefix(inner)));
        Assert.Equal(overlaps, Prefix(outer).Overlaps(Prefix(inner)));
        Assert.Equal(overlaps, Prefix(inner).Overlaps(Prefix(outer)));
    }

    // {prefix, size, last}
    [Theory]
    [InlineData("10.0.0.0/8", "16777216", "10.255.255.255")]
    [InlineData("192.0.2.0/31", "2", "192.0.2.1")]
    [InlineData("192.0.2.7/32", "1", "192.0.2.7")]
    [InlineData("0.0.0.0/0", "4294967296", "255.255.255.255")]
    [InlineData("fd00::/112", "65536", "fd00::ffff")]
    [InlineData("fd00::/64", "18446744073709551616", "fd00::ffff:ffff:ffff:ffff")]
    [InlineData("::/0", "340282366920938463463374607431768211455", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void SizeAndLast_Table(string prefix, string size, string last)
    {
        Assert.Equal(UInt128.Parse(size, System.Globalization.CultureInfo.InvariantCulture), Prefix(prefix).Size);
        Assert.Equal(last, Prefix(prefix).Last.ToString());
    }

    // {prefix, offset, address}
    [Theory]
    [InlineData("10.96.0.0/12", "0", "10.96.0.0")]
    [InlineData("10.96.0.0/12", "10", "10.96.0.10")]
    [InlineData("10.96.0.0/12", "1048575", "10.111.255.255")]
    [InlineData("fd00::/64", "18446744073709551615", "fd00::ffff:ffff:ffff:ffff")]
    public void AddressAtAndOffsetOf_RoundTrip(string prefix, string offset, string address)
    {
        var block = Prefix(prefix);
        var n = UInt128.Parse(offset, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(address, block.AddressAt(n).ToString());
        Assert.True(NetAddress.TryParse(address, out var a));
        Assert.Equal(n, block.OffsetOf(a));
    }

    [Fact]
    public void AddressAt_PastTheEnd_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Prefix("192.0.2.0/30").AddressAt(4));

    [Fact]
    public void OffsetOf_OutsideTheBlock_Throws()
    {
        Assert.True(NetAddress.TryParse("192.0.2.4", out var outside));
        Assert.Throws<ArgumentOutOfRangeException>(() => Prefix("192.0.2.0/30").OffsetOf(outside));
    }

    [Fact]
    public void Create_ClearsHostBits_AndChecksLength()
    {
        Assert.True(NetAddress.TryParse("10.1.2.3", out var a));
        Assert.Equal("10.1.0.0/16", IpPrefix.Create(a, 16).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.Create(a, 33));
        Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.Create(a, -1));
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("2001:db8::/32")]
    public void IPNetwork_RoundTrips(string text)
    {
        var block = Prefix(text);
        Assert.Equal(IPNetwork.Parse(text), block.ToIPNetwork());
        Assert.Equal(block, IpPrefix.From(block.ToIPNetwork()));
    }

    [Fact]
    public void Contains_HotPath_DoesNotAllocate()
    {
        var v4 = Prefix("10.0.0.0/8");
        var v6 = Prefix("2001:db8::/32");
        Assert.True(NetAddress.TryParse("10.1.2.3", out var a));
        Assert.True(NetAddress.TryParse("2001:db8::1", out var b));
        var hits = 0;
        hits += v4.Contains(a) ? 1 : 0; // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            hits += v4.Contains(a) ? 1 : 0;
            hits += v6.Contains(b) ? 1 : 0;
            hits += v4.Contains(b) ? 1 : 0;
            hits += v6.Covers(v6) ? 1 : 0;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3001, hits);
    }

    private static IpPrefix Prefix(string text)
    {
        Assert.True(IpPrefix.TryParseLenient(text, out var prefix), text);
        return prefix;
    }
}
