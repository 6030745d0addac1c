using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Reads a serving certificate from a kubernetes.io/tls Secret (PEM <c>tls.crt</c>: the leaf first, then the
/// intermediates a client needs to reach its root; PEM <c>tls.key</c>). Expected failures are values: the
/// certificate, or an error naming the Secret and what is wrong with it.
/// </summary>
internal static class TlsSecrets
{
    public static (ServingCertificate? Certificate, string? Error) Load(IEnumerable<V1Secret> secrets, string ns, string name)
    {
        var secret = secrets.FirstOrDefault(s => (s.Metadata.NamespaceProperty ?? "default") == ns && s.Metadata.Name == name);
        if (secret is null) return (null, $"secret {ns}/{name} not found");
        if (secret.Data?.TryGetValue("tls.crt", out var crt) != true || secret.Data?.TryGetValue("tls.key", out var key) != true)
            return (null, $"secret {ns}/{name} has no tls.crt and tls.key (type kubernetes.io/tls)");
        try
        {
            var crtPem = Encoding.ASCII.GetString(crt!);
            using var pem = X509Certificate2.CreateFromPem(crtPem, Encoding.ASCII.GetString(key!));
            // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
            var leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var all = new X509Certificate2Collection();
            all.ImportFromPem(crtPem);
            var intermediates = new X509Certificate2Collection();
            foreach (var c in all.Skip(1)) intermediates.Add(c);
            return (new ServingCertificate(leaf, SslStreamCertificateContext.Create(leaf, intermediates, offline: true)), null);
        }
        catch (CryptographicException e)
        {
            return (null, $"secret {ns}/{name}: certificate or key is invalid: {e.Message}");
        }
    }

    /// <summary>
    /// Why clients will refuse <paramref name="certificate"/> at <paramref name="now"/> (expired, or not valid yet); null
    /// while it is valid. Served all the same, as the Secret says (a renewal may be on its way), but worth a warning:
    /// every handshake fails meanwhile.
    /// </summary>
    public static string? Validity(ServingCertificate certificate, DateTime now)
    {
        var leaf = certificate.Leaf;
        if (leaf.NotAfter.ToUniversalTime() < now) return $"certificate {leaf.Subject} expired on {leaf.NotAfter.ToUniversalTime():u}; clients refuse the handshake";
        if (leaf.NotBefore.ToUniversalTime() > now) return $"certificate {leaf.Subject} is not valid before {leaf.NotBefore.ToUniversalTime():u}; clients refuse the handshake";
        return null;
    }
}
