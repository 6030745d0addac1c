using Microsoft.Extensions.Primitives;
using Switchyard.Model.Gateway;
using Switchyard.Model.Networking;

namespace Switchyard.Proxy.ClientIp;

/// <summary>
/// A listener's client IP detection from X-Forwarded-For (Envoy Gateway's <c>clientIPDetection.xForwardedFor</c>), in one
/// of two modes. By trusted CIDRs (<c>gateway.switchyard.dev/x-forwarded-for-trusted-cidrs</c>,
/// <c>--ingress-x-forwarded-for-trusted-cidrs</c>; nginx's <c>real_ip_recursive on</c>): the header is read only when the
/// peer is in the set, and the client is the first untrusted address from its right. By trusted hops
/// (<c>gateway.switchyard.dev/x-forwarded-for-trusted-hops</c>, <c>--ingress-x-forwarded-for-trusted-hops</c>; Envoy's
/// <c>xff_num_trusted_hops</c> with <c>use_remote_address</c>): the header is read whoever the peer is, and the client
/// is the Nth address from its right. The walk itself is <see cref="ForwardedFor"/>. Immutable; one per compile of a
/// listener (the request path notices a new one by reference).
/// </summary>
internal sealed class ClientIpDetection
{
    private ClientIpDetection(TrustedCidrs? cidrs, int hops, string text) => (Cidrs, Hops, Text) = (cidrs, hops, text);

    /// <summary>The proxies whose X-Forwarded-For is believed; null in hop mode.</summary>
    public TrustedCidrs? Cidrs { get; }

    /// <summary>How many proxies in front append to X-Forwarded-For; 0 in CIDR mode.</summary>
    public int Hops { get; }

    /// <summary>
    /// "trusting X-Forwarded-For from 10.0.0.0/8" or "trusting 2 X-Forwarded-For hops": the same setting gives the same
    /// text (CIDRs in canonical order), which listeners sharing a socket compare and conflicts quote.
    /// </summary>
    public string Text { get; }

    public static ClientIpDetection ByCidrs(IReadOnlyList<IpPrefix> cidrs)
    {
        var trusted = new TrustedCidrs(cidrs);
        return new(trusted, 0, $"trusting X-Forwarded-For from {trusted.Text}");
    }

    public static ClientIpDetection ByHops(int hops) => hops is >= 1 and <= ForwardedForAnnotations.MaxHops
        ? new(null, hops, hops == 1 ? "trusting 1 X-Forwarded-For hop" : $"trusting {hops} X-Forwarded-For hops")
        : throw new ArgumentOutOfRangeException(nameof(hops), hops, $"1 to {ForwardedForAnnotations.MaxHops}");

    /// <summary>The detection a Gateway's annotations (or the Ingress options) ask for; null for none.</summary>
    public static ClientIpDetection? Of(ForwardedForTrust? trust) => trust switch
    {
        null => null,
        { Cidrs: { } cidrs } => ByCidrs(cidrs),
        _ => ByHops(trust.Hops),
    };

    /// <summary>Whether X-Forwarded-For is read on a connection from <paramref name="peer"/>: always in hop mode.</summary>
    public bool TrustsPeer(NetAddress peer) => Cidrs?.Contains(peer) ?? true;

    /// <summary>The client <paramref name="lines"/> name behind <paramref name="peer"/> (which <see cref="TrustsPeer"/>); <paramref name="peer"/> when they name none.</summary>
    public NetAddress ClientOf(StringValues lines, NetAddress peer) => ForwardedFor.ClientOf(lines, Cidrs, Hops, peer);

    public override string ToString() => Text;
}
