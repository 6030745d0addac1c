using Switchyard.Model.Networking;

namespace Switchyard.Proxy.ClientIp;

/// <summary>
/// The proxies whose X-Forwarded-For a listener believes in the CIDR mode of <see cref="ClientIpDetection"/> (Gateway annotation
/// <c>gateway.switchyard.dev/x-forwarded-for-trusted-cidrs</c>, or <c>gateway serve --ingress-x-forwarded-for-trusted-cidrs</c>):
/// CIDRs in canonical order, tested without allocating. An IPv4-mapped IPv6 address is tested as the IPv4 address it holds.
/// </summary>
internal sealed class TrustedCidrs
{
    private readonly IpPrefix[] _v4;
    private readonly IpPrefix[] _v6;

    public TrustedCidrs(IReadOnlyList<IpPrefix> cidrs)
    {
        _v4 = [.. cidrs.Where(c => c.Family == IpFamily.IPv4)];
        _v6 = [.. cidrs.Where(c => c.Family == IpFamily.IPv6)];
        Text = Model.Gateway.ForwardedForAnnotations.Format(cidrs);
    }

    /// <summary>"10.0.0.0/8, 2001:db8::/32": the same set gives the same text (listeners sharing a socket compare it).</summary>
    public string Text { get; }

    public bool Contains(NetAddress address)
    {
        address = address.Unmap();
        foreach (var cidr in address.IsV6 ? _v6 : _v4)
        {
            if (cidr.Contains(address)) return true;
        }
        return false;
    }

    public override string ToString() => Text;
}
