using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// A throwaway certificate authority made in the test: leaf certificates for given DNS names, as the base64 PEM a
/// kubernetes.io/tls Secret holds, and the CA as a PEM file for <c>curl --cacert</c>.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);

    /// <param name="name">The CA's common name: CAs that must not be mistaken for one another need their own.</param>
    public TestCertificates(string name = "Switchyard Test CA")
    {
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaFile = Path.Combine(Path.GetTempPath(), $"switchyard-test-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
    }

    public X509Certificate2 Ca { get; }

    /// <summary>The CA certificate as a PEM file (deleted on dispose).</summary>
    public string CaFile { get; }

    /// <summary>A leaf for <paramref name="dnsNames"/> signed by the CA: (PEM certificate, PEM key, its serial number).</summary>
    public (string CertPem, string KeyPem, string Serial) Issue(string commonName, params string[] dnsNames)
    {
        using var key = RSA.Create(2048);
        using var cert = SignLeaf(commonName, key, dnsNames, []);
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), cert.SerialNumber);
    }

    /// <summary>A server certificate with its key, signed by the CA, for <paramref name="dnsNames"/> and <paramref name="uris"/> (SPIFFE IDs, say).</summary>
    public X509Certificate2 ServerCertificate(string commonName, string[] dnsNames, string[]? uris = null)
    {
        using var key = RSA.Create(2048);
        using var cert = SignLeaf(commonName, key, dnsNames, uris ?? []);
        using var withKey = cert.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A server certificate (with its key) for <paramref name="dnsName"/> signed by an intermediate CA that the root signed, and that intermediate.</summary>
    public (X509Certificate2 Leaf, X509Certificate2 Intermediate) ServerCertificateViaIntermediate(string dnsName)
    {
        using var intermediateKey = RSA.Create(2048);
        var ca = new CertificateRequest("CN=Switchyard Test Intermediate", intermediateKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        ca.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        ca.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var intermediate = ca.Create(Ca.SubjectName, X509SignatureGenerator.CreateForRSA(_caKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(intermediate.SubjectName, X509SignatureGenerator.CreateForRSA(intermediateKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));
        using var withKey = leaf.CopyWithPrivateKey(key);
        return (X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null), intermediate);
    }

    /// <summary>
    /// A client certificate with its key, signed by the CA: subject CN=<paramref name="commonName"/>, the URIs as subject
    /// alt names, and extended key usage <paramref name="usage"/> (clientAuth by default).
    /// </summary>
    public X509Certificate2 ClientCertificate(string commonName, string[]? uris = null, string usage = "1.3.6.1.5.5.7.3.2")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (uris is { Length: > 0 })
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var uri in uris) san.AddUri(new Uri(uri));
            request.CertificateExtensions.Add(san.Build());
        }
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        using var cert = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForRSA(_caKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));
        using var withKey = cert.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// An HttpClient that trusts only this CA, connects every name to <paramref name="address"/> and, when asked,
    /// presents <paramref name="clientCertificate"/> (whatever CAs the server names).
    /// </summary>
    public HttpClient Client(System.Net.IPAddress address, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(address, context.DnsEndPoint.Port, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, CustomTrustStore = { Ca }, RevocationMode = X509RevocationMode.NoCheck },
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!,
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }

    /// <summary>Writes <paramref name="certificate"/> and its key as PEM files (for <c>curl --cert --key</c>); the caller deletes them.</summary>
    public static (string CertFile, string KeyFile) PemFiles(X509Certificate2 certificate)
    {
        var stem = Path.Combine(Path.GetTempPath(), $"switchyard-test-client-{Guid.NewGuid():N}");
        File.WriteAllText(stem + ".crt", certificate.ExportCertificatePem());
        using var key = certificate.GetRSAPrivateKey()!;
        File.WriteAllText(stem + ".key", key.ExportPkcs8PrivateKeyPem());
        return (stem + ".crt", stem + ".key");
    }

    /// <summary>A server-auth leaf for <paramref name="key"/> naming the DNS names and URIs, valid for a week, signed by the CA.</summary>
    private X509Certificate2 SignLeaf(string commonName, RSA key, string[] dnsNames, string[] uris)
    {
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) san.AddDnsName(name);
        foreach (var uri in uris) san.AddUri(new Uri(uri));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        return request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForRSA(_caKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
    }

    /// <summary>
    /// A kubernetes.io/tls Secret whose leaf for <paramref name="dnsName"/> is signed by an intermediate CA that the root
    /// signed; <c>tls.crt</c> holds the leaf then the intermediate, as certificate authorities hand them out.
    /// </summary>
    public string SecretViaIntermediate(string name, string ns, string dnsName)
    {
        var (leaf, intermediate) = ServerCertificateViaIntermediate(dnsName);
        using (leaf)
        using (intermediate)
        using (var key = leaf.GetRSAPrivateKey()!)
        {
            return SecretYaml(name, ns, leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        }
    }

    /// <summary>A kubernetes.io/tls Secret manifest holding a leaf for <paramref name="dnsNames"/>; returns it and the leaf's serial.</summary>
    public (string Yaml, string Serial) Secret(string name, string ns, params string[] dnsNames)
    {
        var (cert, key, serial) = Issue(dnsNames[0], dnsNames);
        return (SecretYaml(name, ns, cert, key), serial);
    }

    public static string SecretYaml(string name, string ns, string certPem, string keyPem) => $"""
        apiVersion: v1
        kind: Secret
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        type: kubernetes.io/tls
        data:
          tls.crt: {Convert.ToBase64String(Encoding.ASCII.GetBytes(certPem))}
          tls.key: {Convert.ToBase64String(Encoding.ASCII.GetBytes(keyPem))}
        ---

        """;

    /// <summary>
    /// Fetches https://HOST:PORT/PATH with curl, resolving HOST to <paramref name="address"/> and trusting only this CA;
    /// asserts that verification passed and the server certificate's subject; returns the body.
    /// </summary>
    public async Task<string> CurlAsync(string host, int port, System.Net.IPAddress address, string path, string expectedSubject)
    {
        var (exit, body, err) = await Curl.RunAsync("--verbose", "--cacert", CaFile, "--resolve", $"{host}:{port}:{address}", $"https://{host}:{port}{path}");
        Assert.True(exit == 0, err);
        Assert.Contains($"subject: {expectedSubject}", err, StringComparison.Ordinal);
        Assert.Contains("SSL certificate verify ok", err, StringComparison.Ordinal);
        return body;
    }

    /// <summary>An HttpClient that trusts only this CA, connects every name to <paramref name="address"/>, and reports the server certificate's serial.</summary>
    public HttpClient Client(System.Net.IPAddress address, Action<string> serverSerial) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(address, context.DnsEndPoint.Port, ct);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(Ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                var leaf = cert as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                serverSerial(leaf.SerialNumber);
                // The chain must lead to this CA (not in the system store, so chain errors are expected) and the name must match.
                return chain.Build(leaf) && (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            },
        },
    }) { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        File.Delete(CaFile);
        Ca.Dispose();
        _caKey.Dispose();
    }
}
