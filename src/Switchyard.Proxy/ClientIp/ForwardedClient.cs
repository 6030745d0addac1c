using System.Net;
using Microsoft.AspNetCore.Http;
using Switchyard.Model.Networking;

namespace Switchyard.Proxy.ClientIp;

/// <summary>
/// Listener layer, per connection on a listener with client IP detection (<see cref="ClientIpDetection"/>): makes each
/// request's client the one its X-Forwarded-For names (<see cref="ForwardedFor"/>) when the connection's peer is
/// trusted (always, in hop mode), by setting the request's
/// <see cref="ConnectionInfo.RemoteIpAddress"/>, the one place authorization (<c>clientCIDRs</c>), source-IP hashing
/// and <c>sessionAffinity: ClientIP</c> read it from. Kestrel sets that address back to the peer's at the start of
/// every request, so the change lasts one request. Whether the peer is trusted is decided once per connection (and
/// again when a new snapshot brings another setting); the last header line and the client it named are kept, so a
/// keep-alive connection that repeats its X-Forwarded-For costs one string comparison a request. Created only on
/// listeners with client IP detection: others never allocate it.
/// </summary>
internal sealed class ForwardedClient
{
    private ClientIpDetection? _checkedAgainst;
    private NetAddress _peer;
    private bool _peerTrusted;
    private string? _lastLine;
    private IPAddress? _lastAddress;
    private string? _lastText;

    /// <summary>
    /// The request's client as text, and the request's remote address set to it. <paramref name="peer"/> is the
    /// connection's (after a PROXY protocol header), <paramref name="peerText"/> its text, returned when the client is the peer.
    /// </summary>
    public string? Resolve(HttpContext context, IPAddress peer, string? peerText, ClientIpDetection detection)
    {
        if (!ReferenceEquals(_checkedAgainst, detection))
        {
            _checkedAgainst = detection;
            _peer = NetAddress.From(peer).Unmap();
            _peerTrusted = detection.TrustsPeer(_peer);
            _lastLine = null;
        }
        if (!_peerTrusted) return peerText;
        var lines = context.Request.Headers[ForwardedFor.Header];
        if (lines.Count == 0) return peerText;
        if (lines.Count == 1 && _lastLine is not null && string.Equals(lines[0], _lastLine, StringComparison.Ordinal))
        {
            if (_lastAddress is not null) SetClient(context, _lastAddress);
            return _lastText ?? peerText;
        }
        var client = detection.ClientOf(lines, _peer);
        IPAddress? address = null;
        var text = peerText;
        if (client != _peer)
        {
            address = client.ToIPAddress();
            text = address.ToString();
            SetClient(context, address);
        }
        if (lines.Count == 1) (_lastLine, _lastAddress, _lastText) = (lines[0], address, address is null ? null : text);
        return text;
    }

    /// <summary>The request's remote address becomes the client's; its port 0, as X-Forwarded-For names none (Envoy does the same).</summary>
    private static void SetClient(HttpContext context, IPAddress client)
    {
        context.Connection.RemoteIpAddress = client;
        context.Connection.RemotePort = 0;
    }
}
