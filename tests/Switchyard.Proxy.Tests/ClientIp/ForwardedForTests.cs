using Microsoft.Extensions.Primitives;
using Switchyard.Model.Gateway;
using Switchyard.Model.Networking;
using Switchyard.Proxy.ClientIp;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// The X-Forwarded-For walk as a table of {trusted CIDRs, peer, header lines, client}: right to left over every line,
/// trusted addresses skipped, the first untrusted one taken, the leftmost when all are trusted, a malformed element
/// stopping the walk at the last address read; and the element syntax (ports, brackets, IPv4-mapped).
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

        var found = ForwardedFor.ClientOf(new StringValues(lines), Cidrs(Trusted), peerAddress.Unmap());

        Assert.Equal((name, client), (name, found.ToString()));
    }

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
        Assert.Equal(trusted, Cidrs(Trusted).Contains(a));
    }

    [Fact]
    public void TrustedCidrs_Text_IsCanonical_SoTheSameSetReadsTheSame() => Assert.Equal(
        Cidrs("2001:db8::/32, 10.0.0.0/8, 192.168.1.7/32, 10.0.0.0/8").Text, Cidrs("192.168.1.7/32,10.0.0.0/8,2001:db8::/32").Text);

    private static TrustedCidrs Cidrs(string value)
    {
        var problems = new List<(string, string)>();
        var cidrs = ForwardedForAnnotations.Parse(value, problems);
        Assert.Empty(problems);
        return new TrustedCidrs(cidrs!);
    }
}
