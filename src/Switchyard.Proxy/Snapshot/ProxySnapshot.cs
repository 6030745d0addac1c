using System.Collections.Frozen;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Snapshot;

/// <summary>
/// The compiled, immutable configuration the data plane reads: one <see cref="ListenerConfig"/> per bind address.
/// Requests read it through <see cref="ProxyView.Current"/> only; a change builds a new snapshot and swaps it.
/// </summary>
internal sealed class ProxySnapshot
{
    public ProxySnapshot(IEnumerable<ListenerConfig> listeners, long version)
    {
        Listeners = listeners.ToFrozenDictionary(l => l.Bind);
        Version = version;
    }

    public static readonly ProxySnapshot Empty = new([], 0);

    public FrozenDictionary<IPEndPoint, ListenerConfig> Listeners { get; }

    public long Version { get; }
}

/// <summary>Listener layer: a bind address, HTTP or HTTPS, its certificates by SNI hostname, and its host router.</summary>
internal sealed class ListenerConfig
{
    public required IPEndPoint Bind { get; init; }

    /// <summary>"gateway default/web listener http", "ingress http", for logs and errors.</summary>
    public required string Name { get; init; }

    public bool Https { get; init; }

    public required HostRouter Router { get; init; }

    /// <summary>Certificates by exact hostname or "*.suffix"; "" is the default when SNI names none of them.</summary>
    public IReadOnlyDictionary<string, ServingCertificate> Certificates { get; init; } = new Dictionary<string, ServingCertificate>();

    /// <summary>Client certificate validation by hostname (Gateway <c>spec.tls.frontend</c>); null when no listener here asks for client certificates.</summary>
    public ClientValidationTable? ClientValidation { get; init; }

    public ServingCertificate? SelectCertificate(string? sni)
    {
        if (sni is { Length: > 0 })
        {
            if (Certificates.TryGetValue(sni, out var exact)) return exact;
            var dot = sni.IndexOf('.', StringComparison.Ordinal);
            while (dot >= 0)
            {
                if (Certificates.TryGetValue("*" + sni[dot..], out var wild)) return wild;
                dot = sni.IndexOf('.', dot + 1);
            }
        }
        return Certificates.GetValueOrDefault("") ?? Certificates.Values.FirstOrDefault();
    }
}

/// <summary>Holds the current snapshot in one volatile field; readers never lock.</summary>
internal sealed class ProxyView(ProxySnapshot initial)
{
    private volatile ProxySnapshot _current = initial;

    public ProxySnapshot Current => _current;

    public event Action<ProxySnapshot>? Published;

    public void Publish(ProxySnapshot snapshot)
    {
        _current = snapshot;
        Published?.Invoke(snapshot);
    }
}
