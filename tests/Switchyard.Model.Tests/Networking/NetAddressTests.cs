using System.Net;
using Switchyard.Model.Networking;

namespace Switchyard.Model.Tests.Networking;

public sealed class NetAddressTests
{
    [Theory]
    [InlineData("10.9.8.7", "10.9.8.7", IpFamily.IPv4)]
    [InlineData("0.0.0.0", "0.0.0.0", IpFamily.IPv4)]
    [InlineData("255.255.255.255", "255.255.255.255", IpFamily.IPv4)]
    [InlineData("2001:db8::ffff", "2001:db8::ffff", IpFamily.IPv6)]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1", IpFamily.IPv6)]
    [InlineData("::", "::", IpFamily.IPv6)]
    [InlineData("::ffff:1.2.3.4", "::ffff:1.2.3.4", IpFamily.IPv6)]
    public void TryParse_Valid_CanonicalTextAndFamily(string text, string canonical, IpFamily family)
    {
        Assert.True(NetAddress.TryParse(text, out var a));
        Assert.Equal(canonical, a.ToString());
        Assert.Equal(family, a.Family);
    }

    [Theory]
    [InlineData("")]
    [InlineData("010.0.0.1")]     // leading zero (IPAddress would read octal 8.0.0.1)
    [InlineData("10.1")]          // short form
    [InlineData("0x0a.0.0.1")]    // hex
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.3.")]
    [InlineData("1.2.3.4 ")]
    [InlineData("fe80::1%eth0")]  // zone
    [InlineData("[::1]")]         // brackets
    [InlineData("[::1]:80")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("nonsense")]
    public void TryParse_NotKubernetesSyntax_False(string text) => Assert.False(NetAddress.TryParse(text, out _));

    [Theory]
    [InlineData("010.0.0.1", "10.0.0.1")]
    [InlineData("192.168.001.002", "192.168.1.2")]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public void TryParseLenient_LeadingZeros_ReadAsDecimal(string text, string canonical)
    {
        Assert.True(NetAddress.TryParseLenient(text, out var a));
        Assert.Equal(canonical, a.ToString());
    }

    [Theory]
    [InlineData("10.1")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("1.2.3.0256")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    public void TryParseLenient_Malformed_False(string text) => Assert.False(NetAddress.TryParseLenient(text, out _));

    [Theory]
    [InlineData("::ffff:1.2.3.4", "1.2.3.4", IpFamily.IPv4)]
    [InlineData("2001:db8::1", "2001:db8::1", IpFamily.IPv6)]
    [InlineData("1.2.3.4", "1.2.3.4", IpFamily.IPv4)]
    public void Unmap_MappedAddress_BecomesIPv4(string text, string expected, IpFamily family)
    {
        Assert.True(NetAddress.TryParse(text, out var a));
        Assert.Equal(expected, a.Unmap().ToString());
        Assert.Equal(family, a.Unmap().Family);
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("2001:db8::1")]
    public void From_IPAddress_RoundTrips(string text)
    {
        var ip = IPAddress.Parse(text);
        Assert.Equal(ip, NetAddress.From(ip).ToIPAddress());
    }

    [Fact]
    public void Equality_SameValueOtherFamily_NotEqual()
    {
        Assert.NotEqual(new NetAddress(1, IpFamily.IPv4), new NetAddress(1, IpFamily.IPv6));
        Assert.Equal(new NetAddress(1, IpFamily.IPv4), new NetAddress(1, IpFamily.IPv4));
    }

    [Fact]
    public void Constructor_IPv4ValueOver32Bits_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetAddress((UInt128)uint.MaxValue + 1, IpFamily.IPv4));

    [Theory]
    [InlineData("IPv4", IpFamily.IPv4)]
    [InlineData("IPv6", IpFamily.IPv6)]
    [InlineData("ipv4", null)]
    [InlineData(null, null)]
    public void IpFamilies_Parse_CaseSensitive(string? text, IpFamily? expected) => Assert.Equal(expected, IpFamilies.Parse(text));

    [Theory]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1")]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("fd00::1", "fd00::1")]
    public void IpFamilies_TryParseStrict_UnmapsIPv4(string text, string expected)
    {
        Assert.True(IpFamilies.TryParseStrict(text, out var ip));
        Assert.Equal(expected, ip.ToString());
    }
}
