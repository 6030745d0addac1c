using System.Formats.Asn1;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// TLS from the proxy to a backend's endpoints (Gateway API BackendTLSPolicy): <see cref="Hostname"/> is sent as SNI
/// and, unless <see cref="SubjectAltNames"/> are given, is the name the certificate must carry; the chain must lead to
/// one of <see cref="Roots"/> (the CA bundle of the policy's ConfigMaps), or to the system's trust store when
/// <see cref="Roots"/> is null (wellKnownCACertificates: System). Connections are pooled per endpoint and per
/// <see cref="Key"/>, which changes whenever any of these does, so a rotated CA never reuses a connection it did not check.
/// When the Gateway names a client certificate (<c>spec.tls.backend.clientCertificateRef</c>), <see cref="ClientCertificate"/>
/// is presented to endpoints that ask for one, with its chain; it is part of <see cref="Key"/> too, so each Gateway's
/// identity has its own connections.
/// </summary>
internal sealed class UpstreamTls
{
    private UpstreamTls(string hostname, X509Certificate2Collection? roots, IReadOnlyList<SubjectAltName> subjectAltNames, string key, ServingCertificate? clientCertificate = null)
    {
        Hostname = hostname;
        Roots = roots;
        SubjectAltNames = subjectAltNames;
        Key = key;
        ClientCertificate = clientCertificate;
    }

    public string Hostname { get; }

    /// <summary>Trust anchors; null means the system's.</summary>
    public X509Certificate2Collection? Roots { get; }

    /// <summary>When not empty, the certificate must carry one of these instead of <see cref="Hostname"/>.</summary>
    public IReadOnlyList<SubjectAltName> SubjectAltNames { get; }

    /// <summary>Identifies these settings: endpoints with different keys keep separate pools.</summary>
    public string Key { get; }

    /// <summary>The certificate (with its key and intermediates) sent when the endpoint asks for one; null: none.</summary>
    public ServingCertificate? ClientCertificate { get; }

    /// <summary>
    /// These settings presenting <paramref name="certificate"/>, identified by <paramref name="certificateKey"/> (a
    /// digest of its certificate and chain: a rotated certificate is a new key).
    /// </summary>
    public UpstreamTls WithClientCertificate(ServingCertificate certificate, string certificateKey)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Key}\nclient {certificateKey}")))[..16];
        return new UpstreamTls(Hostname, Roots, SubjectAltNames, key, certificate);
    }

    /// <param name="rootsPem">PEM CA certificates; null for the system's trust store.</param>
    public static UpstreamTls Create(string hostname, string? rootsPem, IReadOnlyList<SubjectAltName> subjectAltNames)
    {
        X509Certificate2Collection? roots = null;
        if (rootsPem is not null)
        {
            roots = [];
            roots.ImportFromPem(rootsPem);
            if (roots.Count == 0) throw new CryptographicException("no PEM certificate found");
        }
        var identity = new StringBuilder(hostname).Append('\n').Append(rootsPem ?? "system").Append('\n');
        foreach (var san in subjectAltNames) identity.Append(san.Type).Append('=').Append(san.Value).Append('\n');
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())))[..16];
        return new UpstreamTls(hostname, roots, subjectAltNames, key);
    }

    /// <summary>Handshake settings for one connection, offering <paramref name="protocol"/> by ALPN; <paramref name="rejected"/> hears why a certificate was refused.</summary>
    private SslClientAuthenticationOptions ClientOptions(Action<string> rejected, SslApplicationProtocol protocol) => new()
    {
        TargetHost = Hostname,
        ApplicationProtocols = protocol == default ? null : [protocol], // none for bytes that are not HTTP (TLSRoutes)
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CertificateChainPolicy = ChainPolicy(),
        ClientCertificateContext = ClientCertificate?.Context,
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (Refusal(certificate, errors) is not { } why) return true;
            rejected(why);
            return false;
        },
    };

    /// <summary>
    /// <paramref name="handler"/>, connecting with these settings: its connect callback makes the TCP connection and the
    /// handshake (ALPN <paramref name="protocol"/>, which the endpoint must agree to) and hands it the authenticated
    /// stream, which it uses as is. Requests through it use <c>https://</c> URIs.
    /// </summary>
    public SocketsHttpHandler Connecting(SocketsHttpHandler handler, SslApplicationProtocol protocol)
    {
        handler.ConnectCallback = (connection, cancellationToken) => UpstreamConnect.OpenAsync(connection.DnsEndPoint, null, this, protocol, cancellationToken);
        return handler;
    }

    /// <summary>
    /// The client handshake on <paramref name="tls"/>, offering <paramref name="protocol"/> (default: no ALPN). Throws
    /// <see cref="AuthenticationException"/> saying why the certificate was refused, or that the endpoint did not agree
    /// to the protocol.
    /// </summary>
    public async Task AuthenticateAsync(SslStream tls, SslApplicationProtocol protocol, CancellationToken cancellationToken)
    {
        string? refused = null;
        try
        {
            await tls.AuthenticateAsClientAsync(ClientOptions(why => refused = why, protocol), cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException e) when (refused is not null)
        {
            throw new AuthenticationException(refused, e);
        }
        if (protocol != default && tls.NegotiatedApplicationProtocol != protocol && tls.NegotiatedApplicationProtocol != default)
            throw new AuthenticationException($"the endpoint chose {tls.NegotiatedApplicationProtocol} (ALPN) where {protocol} was asked for");
        if (protocol == SslApplicationProtocol.Http2 && tls.NegotiatedApplicationProtocol != protocol)
            throw new AuthenticationException("the endpoint did not agree to h2 (ALPN) over TLS");
    }

    /// <summary>
    /// How the chain is built: to the policy's roots alone (or the system's), with the intermediates the endpoint sent,
    /// for server authentication, without fetching issuers named by the certificate or checking revocation.
    /// </summary>
    private X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1")); // id-kp-serverAuth
        if (Roots is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(Roots);
        }
        return policy;
    }

    /// <summary>Why the endpoint's certificate fails (an untrusted chain, or not the expected name); null when it passes.</summary>
    internal string? Refusal(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is not X509Certificate2 leaf || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "the endpoint sent no certificate";
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return $"certificate {leaf.Subject} is not signed by {(Roots is null ? "a CA the system trusts" : "the policy's CA certificates")} (or is not for server authentication)";
        if (SubjectAltNames.Count == 0)
            return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 ? null : $"certificate {leaf.Subject} is not for {Hostname}";
        return SubjectAltNames.Any(san => Carries(leaf, san))
            ? null
            : $"certificate {leaf.Subject} carries none of the subjectAltNames {string.Join(", ", SubjectAltNames.Select(s => s.Value))}";
    }

    private static bool Carries(X509Certificate2 leaf, SubjectAltName san)
    {
        foreach (var extension in leaf.Extensions)
        {
            if (extension is not X509SubjectAlternativeNameExtension names) continue;
            if (san.Type == SubjectAltNameType.Hostname)
                return names.EnumerateDnsNames().Any(name => DnsNameMatches(name, san.Value));
            return UriNames(names.RawData).Any(uri => uri == san.Value);
        }
        return false;
    }

    /// <summary>RFC 6125 §6.4: exact (case-insensitive), or a wildcard certificate name covering exactly one leftmost label.</summary>
    internal static bool DnsNameMatches(string certificateName, string expected)
    {
        if (string.Equals(certificateName, expected, StringComparison.OrdinalIgnoreCase)) return true;
        if (!certificateName.StartsWith("*.", StringComparison.Ordinal)) return false;
        var dot = expected.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && string.Equals(certificateName[1..], expected[dot..], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The uniformResourceIdentifier entries ([6] IA5String) of a subjectAltName extension's GeneralNames.</summary>
    internal static IEnumerable<string> UriNames(byte[] extension)
    {
        var uris = new List<string>();
        try
        {
            var names = new AsnReader(extension, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(uriTag)) uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                else names.ReadEncodedValue();
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension carries no name we could trust.
        }
        return uris;
    }
}

internal enum SubjectAltNameType
{
    Hostname,
    Uri,
}

/// <summary>One name a backend's certificate may carry (BackendTLSPolicy validation.subjectAltNames).</summary>
internal readonly record struct SubjectAltName(SubjectAltNameType Type, string Value);
