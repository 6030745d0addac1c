using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The forwarding fields a request carries upstream: X-Forwarded-For and Forwarded with <see cref="Peer"/> appended,
/// the address the request came from, even when the client was taken from X-Forwarded-For (as Envoy and nginx's
/// <c>$proxy_add_x_forwarded_for</c> do: the chain stays whole for the next hop to walk); X-Forwarded-Proto; and
/// X-Forwarded-Host (the client's <see cref="Host"/>) when the client sent none. With a null <see cref="Peer"/> the
/// client's X-Forwarded-For passes as it came.
/// </summary>
/// <remarks>
/// They reach the upstream one of two ways with the same values: set in the request's header dictionary
/// (<see cref="SetInto"/>), where mirrors, a balancer hashing on one of them and the HTTP/2 forwarder see them; or, when
/// none of those is there, written by the HTTP/1.1 forwarder straight into the upstream head (<see cref="WriteTo"/>) in
/// place of the client's, which saves Kestrel's dictionary its unknown-field work on every request (about 2,500
/// instructions, bench/proxy/instructions.sh). The client's fields are read when written: nothing changes them between
/// (the rule's filters ran before, and GatewayCompiler refuses a backendRef filter that would).
/// </remarks>
internal readonly record struct ForwardingFields(string? Peer, string Scheme, string Host, bool Forwarded)
{
    private const string ForName = "X-Forwarded-For";
    private const string ProtoName = "X-Forwarded-Proto";
    private const string HostName = "X-Forwarded-Host";
    private const string ForwardedName = "Forwarded";

    /// <summary>The fields for a request with these <paramref name="headers"/>, after the rule's filters.</summary>
    public static ForwardingFields Of(IHeaderDictionary headers, string? peer, string scheme, bool forwarded) =>
        new(peer, scheme, headers.Host.ToString(), forwarded); // the Host as the client sent it (an IDN in punycode stays so)

    /// <summary>Whether a header of this name is one of these fields.</summary>
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

    private string ForValue(StringValues prior) => prior.Count == 0 ? Peer! : prior.ToString() + ", " + Peer;

    private bool WritesHost(IHeaderDictionary headers) => Host.Length > 0 && !headers.ContainsKey(HostName);

    private string ForwardedValue(StringValues prior)
    {
        var element = $"for={(Peer is null ? "unknown" : Peer.Contains(':', StringComparison.Ordinal) ? $"\"[{Peer}]\"" : Peer)};proto={Scheme};host=\"{Host}\"";
        return prior.Count == 0 ? element : prior.ToString() + ", " + element;
    }

    /// <summary>Sets the fields in the request's header dictionary.</summary>
    public void SetInto(IHeaderDictionary headers)
    {
        if (Peer is not null) headers[ForName] = ForValue(headers[ForName]);
        headers[ProtoName] = Scheme;
        if (WritesHost(headers)) headers[HostName] = Host;
        if (Forwarded) headers[ForwardedName] = ForwardedValue(headers[ForwardedName]);
    }

    /// <summary>
    /// Writes the fields into an upstream head whose copy of the request's <paramref name="headers"/> skipped those
    /// <see cref="Replaces"/> names.
    /// </summary>
    public void WriteTo(ref HeadBuilder head, IHeaderDictionary headers)
    {
        if (Peer is not null) head.Header("X-Forwarded-For: "u8, ForValue(headers[ForName]));
        head.Header("X-Forwarded-Proto: "u8, Scheme);
        if (WritesHost(headers)) head.Header("X-Forwarded-Host: "u8, Host);
        if (Forwarded) head.Header("Forwarded: "u8, ForwardedValue(headers[ForwardedName]));
    }
}
