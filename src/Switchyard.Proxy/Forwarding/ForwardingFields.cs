using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The forwarding fields a request carries upstream: X-Forwarded-For and Forwarded with <see cref="Peer"/> appended,
/// the address the request came from, even when the client was taken from X-Forwarded-For (as Envoy and nginx's
/// <c>$proxy_add_x_forwarded_for</c> do: the chain stays whole for the next hop to walk); X-Forwarded-Proto; and
/// X-Forwarded-Host when the client sent none. With a null <see cref="Peer"/> the client's X-Forwarded-For passes as it came.
/// </summary>
/// <remarks>
/// They reach the upstream one of two ways with the same values: set in the request's header dictionary
/// (<see cref="SetInto"/>), where mirrors, a balancer hashing on one of them and the HTTP/2 forwarder see them (a
/// backendRef's header filters may not change them); or, when none of those is there, written by the HTTP/1.1 forwarder straight into the
/// upstream head (<see cref="WriteTo"/>) in place of the client's, which saves Kestrel's dictionary its unknown-field
/// work on every request (about 1,500 instructions, bench/proxy/instructions.sh).
/// </remarks>
internal readonly record struct ForwardingFields(string? Peer, StringValues PriorFor, string Scheme, string Host, bool WritesHost, StringValues PriorForwarded, bool Forwarded)
{
    private const string ForName = "X-Forwarded-For";
    private const string ProtoName = "X-Forwarded-Proto";
    private const string HostName = "X-Forwarded-Host";
    private const string ForwardedName = "Forwarded";

    /// <summary>The fields for a request with these <paramref name="headers"/> (after the rule's filters), read now.</summary>
    public static ForwardingFields Of(IHeaderDictionary headers, string? peer, string scheme, bool forwarded)
    {
        var host = headers.Host.ToString(); // as the client sent it (an IDN in punycode stays so)
        return new(peer, peer is null ? default : headers[ForName], scheme, host, host.Length > 0 && !headers.ContainsKey(HostName),
            forwarded ? headers[ForwardedName] : default, forwarded);
    }

    /// <summary>Whether a header of this name is one these fields replace (so the client's is not copied as well).</summary>
    public static bool IsField(string name) => name.Length switch
    {
        9 => name.Equals(ForwardedName, StringComparison.OrdinalIgnoreCase),
        15 => name.Equals(ForName, StringComparison.OrdinalIgnoreCase),
        16 => name.Equals(HostName, StringComparison.OrdinalIgnoreCase),
        17 => name.Equals(ProtoName, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>Whether the client's field <paramref name="name"/> gives way to one written by <see cref="WriteTo"/>.</summary>
    public bool Replaces(string name) => name.Length switch
    {
        9 => Forwarded && name.Equals(ForwardedName, StringComparison.OrdinalIgnoreCase),
        15 => Peer is not null && name.Equals(ForName, StringComparison.OrdinalIgnoreCase),
        17 => name.Equals(ProtoName, StringComparison.OrdinalIgnoreCase),
        _ => false, // X-Forwarded-Host is written only when the client sent none
    };

    private string ForValue() => PriorFor.Count == 0 ? Peer! : PriorFor.ToString() + ", " + Peer;

    private string ForwardedValue()
    {
        var element = $"for={(Peer is null ? "unknown" : Peer.Contains(':', StringComparison.Ordinal) ? $"\"[{Peer}]\"" : Peer)};proto={Scheme};host=\"{Host}\"";
        return PriorForwarded.Count == 0 ? element : PriorForwarded.ToString() + ", " + element;
    }

    /// <summary>Sets the fields in the request's header dictionary.</summary>
    public void SetInto(IHeaderDictionary headers)
    {
        if (Peer is not null) headers[ForName] = ForValue();
        headers[ProtoName] = Scheme;
        if (WritesHost) headers[HostName] = Host;
        if (Forwarded) headers[ForwardedName] = ForwardedValue();
    }

    /// <summary>Writes the fields into an upstream head whose copy of the client's fields skipped those <see cref="Replaces"/> names.</summary>
    public void WriteTo(ref HeadBuilder head)
    {
        if (Peer is not null) head.Header(ForName, ForValue());
        head.Header(ProtoName, Scheme);
        if (WritesHost) head.Header(HostName, Host);
        if (Forwarded) head.Header(ForwardedName, ForwardedValue());
    }
}
