using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Switchyard.Proxy.Snapshot;

/// <summary>A serving certificate: the leaf (with its key) and the context SslStream sends, which holds the chain.</summary>
internal sealed record ServingCertificate(X509Certificate2 Leaf, SslStreamCertificateContext Context);
