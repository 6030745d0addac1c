using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Reads PEM CA bundles (key <c>ca.crt</c>) from the ConfigMaps and Secrets of a compile, for BackendTLSPolicy and for
/// Gateway client certificate validation. A bundle is returned only when it holds at least one readable certificate;
/// otherwise the error names the object and what is wrong with it.
/// </summary>
internal sealed class CaBundles
{
    public const string Key = "ca.crt";

    private readonly Dictionary<(string Ns, string Name), V1ConfigMap> _configMaps = [];
    private readonly Dictionary<(string Ns, string Name), V1Secret> _secrets = [];

    public CaBundles(ProxyInputs inputs)
    {
        foreach (var c in inputs.ConfigMaps) _configMaps[(c.Metadata.NamespaceProperty ?? "default", c.Metadata.Name)] = c;
        foreach (var s in inputs.Secrets) _secrets[(s.Metadata.NamespaceProperty ?? "default", s.Metadata.Name)] = s;
    }

    /// <summary>The PEM bundle of ConfigMap (or Secret, when <paramref name="secret"/>) <paramref name="ns"/>/<paramref name="name"/>, or why it is unusable.</summary>
    public (string? Pem, string? Error) Read(string ns, string name, bool secret = false)
    {
        var kind = secret ? "Secret" : "ConfigMap";
        string? pem;
        if (secret)
        {
            if (!_secrets.TryGetValue((ns, name), out var s)) return (null, $"caCertificateRef Secret {ns}/{name} not found");
            pem = s.Data?.TryGetValue(Key, out var bytes) == true ? Encoding.ASCII.GetString(bytes) : s.StringData?.TryGetValue(Key, out var text) == true ? text : null;
        }
        else
        {
            if (!_configMaps.TryGetValue((ns, name), out var map)) return (null, $"caCertificateRef ConfigMap {ns}/{name} not found");
            pem = map.Data?.TryGetValue(Key, out var text) == true ? text : null;
        }
        if (string.IsNullOrWhiteSpace(pem)) return (null, $"{kind} {ns}/{name} has no {Key}");
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
            return certificates.Count > 0 ? (pem, null) : (null, $"{kind} {ns}/{name}: {Key} holds no PEM certificate");
        }
        catch (CryptographicException e)
        {
            return (null, $"{kind} {ns}/{name}: {Key} cannot be read: {e.Message}");
        }
        finally
        {
            foreach (var c in certificates) c.Dispose();
        }
    }
}
