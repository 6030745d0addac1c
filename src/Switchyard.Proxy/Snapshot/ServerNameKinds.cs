using System.Collections.Frozen;

namespace Switchyard.Proxy.Snapshot;

/// <summary>
/// Listener layer, a port shared by HTTPS and TLS listeners (<see cref="ListenerKind.Mixed"/>): which kind of listener
/// serves a connection, by the server name (SNI) of its ClientHello. The listener whose hostname matches most
/// specifically serves it, the rule certificates are chosen by: the exact hostname, else the longest wildcard covering
/// it ("*.example.com" covers any number of further labels), else the listener without hostname. A name no listener
/// matches, or no name, goes to <see cref="Unmatched"/>.
/// </summary>
internal sealed class ServerNameKinds
{
    private readonly FrozenDictionary<string, ListenerKind> _exact;
    private readonly FrozenDictionary<string, ListenerKind>.AlternateLookup<ReadOnlySpan<char>> _exactBySpan;

    /// <summary>Wildcards by their suffix (".example.com").</summary>
    private readonly FrozenDictionary<string, ListenerKind>.AlternateLookup<ReadOnlySpan<char>> _wildcards;

    /// <param name="byHostname">Listener hostname (exact, "*.suffix", or "" for a listener without one) to its kind.</param>
    public ServerNameKinds(IReadOnlyDictionary<string, ListenerKind> byHostname)
    {
        _exact = byHostname.Where(h => h.Key.Length > 0 && !h.Key.StartsWith("*.", StringComparison.Ordinal)).ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _exactBySpan = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcards = byHostname.Where(h => h.Key.StartsWith("*.", StringComparison.Ordinal))
            .ToFrozenDictionary(h => h.Key[1..], h => h.Value, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        // No listener without hostname: what a port of HTTPS listeners does with such a name (a certificate of the
        // port, then routes by Host), when there is an HTTPS listener; else the TLSRoutes in Passthrough mode, which
        // have no route for it (routes take their listener's hostnames) and answer unrecognized_name.
        ServesHttps = byHostname.Values.Contains(ListenerKind.Https);
        Unmatched = byHostname.TryGetValue("", out var any) ? any : ServesHttps ? ListenerKind.Https : ListenerKind.TlsPassthrough;
    }

    /// <summary>Some of the port's listeners are HTTPS ones (else it is shared by TLS listeners of both modes).</summary>
    public bool ServesHttps { get; }

    /// <summary>The kind of the listener without hostname, or (none) the kind names no listener matches go to.</summary>
    public ListenerKind Unmatched { get; }

    /// <summary>The kind of listener that serves <paramref name="serverName"/> (null: the client named none).</summary>
    public ListenerKind Select(string? serverName)
    {
        if (serverName is not { Length: > 0 }) return Unmatched;
        var name = serverName.AsSpan();
        if (_exactBySpan.TryGetValue(name, out var exact)) return exact;
        // The longest suffix first: from the first dot on.
        var dot = name.IndexOf('.');
        while (dot > 0)
        {
            if (_wildcards.TryGetValue(name[dot..], out var wild)) return wild;
            var next = name[(dot + 1)..].IndexOf('.');
            dot = next < 0 ? -1 : dot + 1 + next;
        }
        return Unmatched;
    }
}
