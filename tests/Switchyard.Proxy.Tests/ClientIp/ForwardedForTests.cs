using Microsoft.Extensions.Primitives;
using Switchyard.Model.Gateway;
using Switchyard.Model.Networking;
using Switchyard.Proxy.ClientIp;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// The X-Forwarded-For walk as tables. By trusted CIDRs, {peer, header lines, client}: right to left over every line,
/// trusted addresses skipped, the first untrusted one taken, the leftmost when all are trusted, a malformed element
/// stopping the walk at the last address read; and the element syntax (ports, brackets, IPv4-mapped). By trusted
/// hops, {hops, header lines, client} for 1 and 2 hops: the Nth address from the right, the peer when there are fewer
/// (Envoy's fallback), empty elements not counted, a malformed element stopping the walk as in CIDR mode.
/// </summary>
public sealed class ForwardedForTests
{
    private const string Trusted = "10.0.0.0/8, 192.168.1.7/32, 2001:db8::/32";

    public static TheoryData<string, string, string[], string> Walks => new()
    {
        // {case, peer, X-Forwarded-For lines, client}
        { "no header: the peer", "10.0.0.1", [], "10.0.0.1" },
        { "one untrusted address", "10.0.0.1", ["203.0.113.5"], "203.0.113.5" },
        { "trusted hops skipped from the right", "10.0.0.1", ["203.0.113.5, 10.1.1.1, 192.168.1.7"], "203.0.113.5" },
        { "a spoofed address left of the client is never reached", "10.0.0.1", ["6.6.6.6, 203.0.113.5, 10.1.1.1"], "203.0.113.5" },
        { "every address trusted: the leftmost", "10.0.0.1", ["10.9.9.9, 10.1.1.1"], "10.9.9.9" },
        { "lines joined in order, the last line read first", "10.0.0.1", ["198.51.100.1, 10.2.2.2", "10.3.3.3"], "198.51.100.1" },
        { "an untrusted address in the last line ends the walk", "10.0.0.1", ["198.51.100.1", "203.0.113.9, 10.3.3.3"], "203.0.113.9" },
        { "empty elements and spaces ignored", "10.0.0.1", [" , 203.0.113.5 ,,\t10.1.1.1 , "], "203.0.113.5" },
        { "malformed rightmost: the peer", "10.0.0.1", ["203.0.113.5, unknown"], "10.0.0.1" },
        { "malformed after trusted hops: the last address read", "10.0.0.1", ["203.0.113.5, garbage, 10.1.1.1"], "10.1.1.1" },
        { "leading zeros are malformed", "10.0.0.1", ["203.0.113.5, 010.1.1.1"], "10.0.0.1" },
        { "an IPv6 zone is malformed", "10.0.0.1", ["fe80::1%eth0"], "10.0.0.1" },
        { "IPv4 with a port", "10.0.0.1", ["203.0.113.5:4711, 10.1.1.1:80"], "203.0.113.5" },
        { "a bad port is malformed", "10.0.0.1", ["203.0.113.5:99999"], "10.0.0.1" },
        { "IPv6 bare", "10.0.0.1", ["2001:db8::5, 2a00:1450::1"], "2a00:1450::1" },
        { "IPv6 trusted, then an IPv4 client", "2001:db8::1", ["198.51.100.7, 2001:db8:1::2"], "198.51.100.7" },
        { "IPv6 in brackets, with and without a port", "10.0.0.1", ["[2a00:1450::1]:443, [2001:db8::9]"], "2a00:1450::1" },
        { "IPv4 in brackets is malformed", "10.0.0.1", ["[203.0.113.5]"], "10.0.0.1" },
        { "an IPv4-mapped address is its IPv4 address", "10.0.0.1", ["203.0.113.5, ::ffff:10.1.1.1"], "203.0.113.5" },
        { "an IPv4-mapped peer is trusted as IPv4", "::ffff:10.0.0.1", ["203.0.113.5"], "203.0.113.5" },
        { "Forwarded syntax is not X-Forwarded-For", "10.0.0.1", ["for=203.0.113.5"], "10.0.0.1" },
    };

    [Theory]
    [MemberData(nameof(Walks))]
    public void ClientOf_Table(string name, string peer, string[] lines, string client)
    {
        Assert.True(NetAddress.TryParse(peer, out var peerAddress), name);

        var found = ClientIpDetection.ByCidrs(Cidrs(Trusted)).ClientOf(new StringValues(lines), peerAddress.Unmap());

        Assert.Equal((name, client), (name, found.ToString()));
    }

    private const string Peer = "192.0.2.9";

    public static TheoryData<string, int, string[], string> HopWalks => new()
    {
        // {case, hops, X-Forwarded-For lines, client}; the peer is 192.0.2.9 and is never checked
        { "1: no header, the peer", 1, [], Peer },
        { "1: the rightmost", 1, ["203.0.113.5"], "203.0.113.5" },
        { "1: the rightmost of a chain, what the client wrote left of it ignored", 1, ["6.6.6.6, 198.51.100.7, 203.0.113.5"], "203.0.113.5" },
        { "1: the last line's rightmost", 1, ["6.6.6.6", "203.0.113.5"], "203.0.113.5" },
        { "1: a private address is an address like any other", 1, ["10.1.2.3"], "10.1.2.3" },
        { "1: empty elements are not hops", 1, ["203.0.113.5, ,\t"], "203.0.113.5" },
        { "1: only empty elements: too short, the peer", 1, [" , "], Peer },
        { "1: malformed rightmost: the peer", 1, ["203.0.113.5, unknown"], Peer },
        { "1: malformed left of the hop is never read", 1, ["garbage, 203.0.113.5"], "203.0.113.5" },
        { "1: with a port", 1, ["[2001:db8::7]:4711"], "2001:db8::7" },
        { "1: IPv4-mapped is IPv4", 1, ["::ffff:203.0.113.5"], "203.0.113.5" },
        { "2: no header, the peer", 2, [], Peer },
        { "2: one address, too short: the peer (Envoy's fallback)", 2, ["203.0.113.5"], Peer },
        { "2: the second from the right", 2, ["203.0.113.5, 10.0.0.2"], "203.0.113.5" },
        { "2: Envoy's example 3", 2, ["203.0.113.128, 203.0.113.10, 203.0.113.1"], "203.0.113.10" },
        { "2: across lines, the last line read first", 2, ["6.6.6.6, 203.0.113.5", "10.0.0.2"], "203.0.113.5" },
        { "2: a line of two empty elements and one address is too short", 2, [",203.0.113.5,"], Peer },
        { "2: empty elements are not hops", 2, ["203.0.113.5, , 10.0.0.2"], "203.0.113.5" },
        { "2: malformed rightmost: the peer", 2, ["203.0.113.5, unknown"], Peer },
        { "2: malformed second: the peer, as Envoy's Nth piece that does not parse", 2, ["203.0.113.5, unknown, 10.0.0.2"], Peer },
        { "2: leading zeros are malformed", 2, ["203.0.113.5, 010.0.0.2"], Peer },
        { "2: malformed left of the hops is never read", 2, ["for=6.6.6.6, 203.0.113.5, 10.0.0.2"], "203.0.113.5" },
        { "2: IPv6 with ports", 2, ["[2001:db8::5]:443, 198.51.100.1:80"], "2001:db8::5" },
    };

    [Theory]
    [MemberData(nameof(HopWalks))]
    public void ClientOf_Hops_Table(string name, int hops, string[] lines, string client)
    {
        Assert.True(NetAddress.TryParse(Peer, out var peer), name);

        var found = ClientIpDetection.ByHops(hops).ClientOf(new StringValues(lines), peer);

        Assert.Equal((name, client), (name, found.ToString()));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("203.0.113.5")]
    [InlineData("2001:db8::1")]
    public void ClientIpDetection_Hops_TrustsEveryPeer(string peer)
    {
        Assert.True(NetAddress.TryParse(peer, out var a));
        Assert.True(ClientIpDetection.ByHops(2).TrustsPeer(a));
    }

    [Fact]
    public void ClientIpDetection_Text_NamesTheMode() => Assert.Equal(
        ["trusting X-Forwarded-For from 10.0.0.0/8, 192.168.1.7/32, 2001:db8::/32", "trusting 1 X-Forwarded-For hop", "trusting 2 X-Forwarded-For hops"],
        [ClientIpDetection.ByCidrs(Cidrs(Trusted)).Text, ClientIpDetection.ByHops(1).Text, ClientIpDetection.ByHops(2).Text]);

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("192.168.1.7", true)]
    [InlineData("192.168.1.8", false)]
    [InlineData("2001:db8:ffff::1", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("11.0.0.1", false)]
    public void TrustedCidrs_Contains(string address, bool trusted)
    {
        Assert.True(NetAddress.TryParse(address, out var a));
        Assert.Equal(trusted, new TrustedCidrs(Cidrs(Trusted)).Contains(a));
    }

    [Fact]
    public void TrustedCidrs_Text_IsCanonical_SoTheSameSetReadsTheSame() => Assert.Equal(
        new TrustedCidrs(Cidrs("2001:db8::/32, 10.0.0.0/8, 192.168.1.7/32, 10.0.0.0/8")).Text, new TrustedCidrs(Cidrs("192.168.1.7/32,10.0.0.0/8,2001:db8::/32")).Text);

    private static IReadOnlyList<IpPrefix> Cidrs(string value)
    {
        var problems = new List<(string, string)>();
        var cidrs = ForwardedForAnnotations.Parse(value, problems);
        Assert.Empty(problems);
        return cidrs!;
    }
}
