using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The forwarding fields a request carries upstream: X-Forwarded-For and Forwarded with <see cref="Peer"/> appended,
/// the address the request came from, even when the client was taken from X-Forwarded-For (as Envoy and nginx's
/// <c>$proxy_add_x_forwarded_for</c> do: the chain stays whole for the next hop to walk); X-Forwarded-Proto; and
/// X-Forwarded-Host (the client's <see cref="Host"/>) when the client sent none. With a null <see cref="Peer"/> the
/// client's X-Forwarded-For passes as it came. With a <see cref="Trace"/>, the proxy's traceparent replaces the client's.
/// </summary>
/// <remarks>
/// They reach the upstream one of two ways with the same values: set in the request's header dictionary
/// (<see cref="SetInto"/>), where mirrors, a balancer hashing on one of them and the HTTP/2 forwarder see them; or, when
/// none of those is there, written by the HTTP/1.1 forwarder straight into the upstream head (<see cref="WriteTo"/>) in
/// place of the client's, which saves Kestrel's dictionary its unknown-field work on every request (about 2,500
/// instructions, bench/proxy/instructions.sh). The client's fields are read when written: nothing changes them between
/// (the rule's filters ran before, and GatewayCompiler refuses a backendRef filter that would).
/// </remarks>
internal readonly record struct ForwardingFields(string? Peer, string Scheme, string Host, bool Forwarded, TraceParent? Trace)
{
    private const string ForName = "X-Forwarded-For";
    private const string ProtoName = "X-Forwarded-Proto";
    private const string HostName = "X-Forwarded-Host";
    private const string ForwardedName = "Forwarded";
    private const string TraceParentName = "traceparent";

    /// <summary>The fields for a request with these <paramref name="headers"/>, after the rule's filters.</summary>
    public static ForwardingFields Of(IHeaderDictionary headers, string? peer, string scheme, bool forwarded, TraceParent? trace) =>
        new(peer, scheme, headers.Host.ToString(), forwarded, trace); // the Host as the client sent it (an IDN in punycode stays so)

    /// <summary>Whether a header of this name is one of these fields.</summary>
    public static bool IsField(string name) => name.Length switch
    {
        9 => name.Equals(ForwardedName, StringComparison.OrdinalIgnoreCase),
        11 => name.Equals(TraceParentName, StringComparison.OrdinalIgnoreCase),
        15 => name.Equals(ForName, StringComparison.OrdinalIgnoreCase),
        16 => name.Equals(HostName, StringComparison.OrdinalIgnoreCase),
        17 => name.Equals(ProtoName, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>
    /// The client's own forwarding fields, met while its fields are copied into the upstream head (<see cref="Take"/>):
    /// read on the way instead of looked up in the header dictionary again.
    /// </summary>
    public struct ClientFields
    {
        public StringValues For;
        public StringValues Forwarded;
        public bool HasHost;
    }

    /// <summary>
    /// Whether the client's field <paramref name="name"/> gives way to one written by <see cref="WriteTo"/>; its values
    /// are kept in <paramref name="client"/> when the written field continues them. X-Forwarded-Host is noted and passes
    /// (it is written only when the client sent none).
    /// </summary>
    public bool Take(string name, StringValues values, ref ClientFields client)
    {
        switch (name.Length)
        {
            case 9 when Forwarded && name.Equals(ForwardedName, StringComparison.OrdinalIgnoreCase):
                client.Forwarded = values;
                return true;
            case 11:
                return Trace is not null && name.Equals(TraceParentName, StringComparison.OrdinalIgnoreCase);
            case 15 when Peer is not null && name.Equals(ForName, StringComparison.OrdinalIgnoreCase):
                client.For = values;
                return true;
            case 16 when name.Equals(HostName, StringComparison.OrdinalIgnoreCase):
                client.HasHost = true;
                return false;
            case 17:
                return name.Equals(ProtoName, StringComparison.OrdinalIgnoreCase);
            default:
                return false;
        }
    }

    private string ForValue(StringValues prior) => prior.Count == 0 ? Peer! : prior.ToString() + ", " + Peer;

    private bool WritesHost(IHeaderDictionary headers) => Host.Length > 0 && !headers.ContainsKey(HostName);

    /// <summary>Forwarded's for= node (RFC 7239 §6): the peer, an IPv6 address bracketed and quoted; "unknown" without one.</summary>
    private string ForNode => Peer is null ? "unknown" : Peer.Contains(':', StringComparison.Ordinal) ? $"\"[{Peer}]\"" : Peer;

    private string ForwardedValue(StringValues prior)
    {
        var element = $"for={ForNode};proto={Scheme};host=\"{Host}\"";
        return Continues(prior) ? prior.ToString() + ", " + element : element;
    }

    /// <summary>
    /// Whether the proxy's Forwarded element may follow the client's: there is one, and its quoted strings all close
    /// (RFC 7239 §4 quoted-string, with backslash escapes). An unclosed quote (<c>for=6.6.6.6;x="</c>) would take the
    /// proxy's element into it, so that a parser sees only the client's <c>for=</c>: such a value is dropped.
    /// </summary>
    private static bool Continues(StringValues prior)
    {
        if (prior.Count == 0) return false;
        foreach (var value in prior)
        {
            var quoted = false;
            for (var i = 0; i < (value?.Length ?? 0); i++)
            {
                var c = value![i];
                if (quoted && c == '\\') i++;
                else if (c == '"') quoted = !quoted;
            }
            if (quoted) return false;
        }
        return true;
    }

    /// <summary>Sets the fields in the request's header dictionary.</summary>
    public void SetInto(IHeaderDictionary headers)
    {
        if (Peer is not null) headers[ForName] = ForValue(headers[ForName]);
        headers[ProtoName] = Scheme;
        if (WritesHost(headers)) headers[HostName] = Host;
        if (Forwarded) headers[ForwardedName] = ForwardedValue(headers[ForwardedName]);
        if (Trace is { } trace) headers.TraceParent = trace.ToString();
    }

    /// <summary>
    /// Writes the fields into an upstream head whose copy of the request's fields gave the client's to
    /// <see cref="Take"/>: the same values <see cref="SetInto"/> sets, written piece by piece.
    /// </summary>
    public void WriteTo(ref HeadBuilder head, in ClientFields client)
    {
        if (Peer is not null)
        {
            head.Append("X-Forwarded-For: "u8);
            if (client.For.Count > 0)
            {
                head.Append(client.For);
                head.Append(", "u8);
            }
            head.Append(Peer);
            head.Append("\r\n"u8);
        }
        if (Trace is { } trace)
        {
            head.Append("traceparent: "u8);
            trace.WriteTo(head.Reserve(TraceParent.Length));
            head.Append("\r\n"u8);
        }
        head.Header("X-Forwarded-Proto: "u8, Scheme);
        if (Host.Length > 0 && !client.HasHost) head.Header("X-Forwarded-Host: "u8, Host);
        if (!Forwarded) return;
        head.Append("Forwarded: "u8);
        if (Continues(client.Forwarded))
        {
            head.Append(client.Forwarded);
            head.Append(", "u8);
        }
        head.Append("for="u8);
        head.Append(ForNode); // the peer itself unless it is IPv6
        head.Append(";proto="u8);
        head.Append(Scheme);
        head.Append(";host=\""u8);
        head.Append(Host);
        head.Append("\"\r\n"u8);
    }
}
