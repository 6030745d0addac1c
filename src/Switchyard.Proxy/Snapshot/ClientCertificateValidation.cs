using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Switchyard.Proxy.Snapshot;

/// <summary>
/// Client certificate validation of the HTTPS listeners of one Gateway port (Gateway API <c>spec.tls.frontend</c>):
/// the handshake asks for a certificate, which must chain to one of <see cref="Roots"/> (the CA bundles of the
/// caCertificateRefs) and, when it names its purposes, be for client authentication. With
/// <see cref="AllowInsecureFallback"/> a missing or failing certificate is let through, unverified.
/// <see cref="Key"/> identifies the settings: a request is served only on a connection validated with the same key.
/// </summary>
internal sealed class ClientCertificateValidation
{
    private ClientCertificateValidation(string name, X509Certificate2Collection roots, bool allowInsecureFallback, string key)
    {
        Name = name;
        Roots = roots;
        AllowInsecureFallback = allowInsecureFallback;
        Key = key;
    }

    /// <summary>"gateway default/web port 443", for errors.</summary>
    public string Name { get; }

    public X509Certificate2Collection Roots { get; }

    /// <summary>Gateway API mode AllowInsecureFallback (else AllowValidOnly).</summary>
    public bool AllowInsecureFallback { get; }

    public string Key { get; }

    /// <param name="rootsPem">PEM CA certificates, at least one.</param>
    public static ClientCertificateValidation Create(string name, string rootsPem, bool allowInsecureFallback)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(rootsPem);
        if (roots.Count == 0) throw new CryptographicException("no PEM certificate found");
        var identity = $"{(allowInsecureFallback ? "fallback" : "valid-only")}\n{rootsPem}";
        return new ClientCertificateValidation(name, roots, allowInsecureFallback, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16]);
    }

    /// <summary>
    /// How the client's chain is built: to <see cref="Roots"/> alone, with the intermediates the client sent, for
    /// client authentication, without fetching issuers or checking revocation. A new policy per handshake (it is mutable).
    /// </summary>
    public X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            TrustMode = X509ChainTrustMode.CustomRootTrust,
        };
        policy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // id-kp-clientAuth
        policy.CustomTrustStore.AddRange(Roots);
        return policy;
    }

    /// <summary>Why the client's certificate fails (none sent, or an untrusted chain); null when it passes.</summary>
    public static string? Refusal(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "the client sent no certificate";
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return $"client certificate {certificate.Subject} is not signed by the Gateway's CA certificates (or is expired, or not for client authentication)";
        return null; // a client certificate carries no name to match: RemoteCertificateNameMismatch does not apply
    }
}

/// <summary>
/// The client certificate validation of each hostname of one bind address (listeners of several Gateways may share
/// it): looked up by SNI at the handshake and by Host for each request, the way certificates are chosen. A hostname
/// maps to null when its listener validates nothing.
/// </summary>
internal sealed class ClientValidationTable(IReadOnlyDictionary<string, ClientCertificateValidation?> byHostname)
{
    private readonly bool _uniform = byHostname.Values.Select(v => v?.Key).Distinct().Count() == 1;

    /// <summary>
    /// The validation for <paramref name="name"/>: exact hostname, else the longest wildcard covering it, else the
    /// listener without hostname; a name no listener has gets the validation every listener shares, or none.
    /// </summary>
    public ClientCertificateValidation? Select(string? name)
    {
        if (name is { Length: > 0 })
        {
            if (byHostname.TryGetValue(name, out var exact)) return exact;
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            while (dot >= 0)
            {
                if (byHostname.TryGetValue("*" + name[dot..], out var wild)) return wild;
                dot = name.IndexOf('.', dot + 1);
            }
        }
        if (byHostname.TryGetValue("", out var any)) return any;
        return _uniform ? byHostname.Values.FirstOrDefault() : null;
    }
}
