using System.Security.Cryptography;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Config;

/// <summary>
/// The client certificate one Gateway presents to the backends it reaches over TLS (Gateway API
/// <c>spec.tls.backend.clientCertificateRef</c>), or why it has none: <see cref="Error"/>, with the status reason.
/// </summary>
internal sealed record GatewayClientCertificate(string Gateway, ServingCertificate? Certificate, string? Error, string? Reason)
{
    /// <summary>Tells certificates apart (a digest of the leaf and its chain), or names the error: backends and pools are kept per identity.</summary>
    public string Identity { get; } = Certificate is { } c
        ? Convert.ToHexStringLower(SHA256.HashData([.. c.Leaf.RawData, .. (c.Context.IntermediateCertificates ?? []).SelectMany(i => i.RawData)]))[..16]
        : $"error: {Error}";
}
