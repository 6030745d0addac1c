using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Switchyard.Proxy.Routing;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// Listener layer, mutual TLS (Gateway API client certificate validation). At each handshake the current snapshot's
/// validation for the SNI name decides whether a client certificate is asked for and how it is checked; a connection
/// records which validation it passed. Each request must then name (Host) a listener with the same validation, else
/// it is answered 421, so a certificate checked for one Gateway never opens another's routes. A verified certificate is
/// described to backends in <c>x-forwarded-client-cert</c>; the header is removed from every client request.
/// </summary>
internal static class ClientCertificates
{
    /// <summary>The header backends read the verified client certificate from (Envoy's format).</summary>
    public const string ForwardedHeader = "x-forwarded-client-cert";


    /// <summary>The handshake settings for one connection: the certificate for its SNI name and, when its listener validates clients, the request for a certificate and its check.</summary>
    public static SslServerAuthenticationOptions ServerOptions(ListenerConfig? listener, TlsHandshakeCallbackContext context, List<SslApplicationProtocol>? alpn, ProxyMetrics metrics)
    {
        var sni = context.ClientHelloInfo.ServerName;
        var options = new SslServerAuthenticationOptions { ServerCertificateContext = listener?.SelectCertificate(sni)?.Context, ApplicationProtocols = alpn };
        if (listener?.ClientValidation?.Select(sni) is not { } validation) return options;
        var state = new ClientCertificateState(validation.Key);
        context.Connection.Features.Set(state);
        options.ClientCertificateRequired = true;
        options.CertificateChainPolicy = validation.ChainPolicy();
        options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            var refusal = ClientCertificateValidation.Refusal(certificate, errors);
            if (refusal is null) state.Verified(certificate!);
            metrics.ClientCertificate(validation.Name, refusal is null ? "verified" : validation.AllowInsecureFallback ? "unverified" : "refused");
            return refusal is null || validation.AllowInsecureFallback;
        };
        return options;
    }

    /// <summary>
    /// Why a request must not be served on its connection (421): the listener its Host names validates client
    /// certificates otherwise than the one the connection's SNI named at the handshake. Null when they agree.
    /// </summary>
    public static string? Misdirected(HttpContext context, ListenerConfig listener)
    {
        if (listener.ClientValidation is not { } table) return null;
        var host = context.Request.Host.Host;
        var expected = table.Select(host)?.Key;
        var actual = context.Features.Get<ClientCertificateState>()?.ValidationKey;
        if (expected == actual) return null;
        return expected is null
            ? $"{listener.Name}: host {host} does not validate client certificates but this connection was opened for a listener that does; open a new connection"
            : $"{listener.Name}: host {host} needs a client certificate checked by {table.Select(host)!.Name}, which this connection was not; open a new connection for it";
    }

    /// <summary>
    /// Why the matched <paramref name="entry"/> must not be served on this connection (421): it was attached through a
    /// listener validating client certificates, and the connection did not pass that validation. The router may
    /// reach such an entry from the host of another listener (one validating nothing, say) when that host's own
    /// routes do not match; the certificate the entry's listener demands is then checked here. Null when it may be served.
    /// </summary>
    public static string? Unvalidated(HttpContext context, ListenerConfig listener, RouteEntry entry)
    {
        if (entry.ClientValidation is not { } needed || context.Features.Get<ClientCertificateState>()?.ValidationKey == needed.Key) return null;
        return $"{listener.Name}: {entry.Rule.Name} needs a client certificate checked by {needed.Name}, which this connection was not; open a new connection for its host";
    }

    /// <summary>
    /// Removes any client-sent <c>x-forwarded-client-cert</c> and, when the connection's certificate was verified, sets it.
    /// The connection is asked only on listeners that validate client certificates: elsewhere no request pays the lookup.
    /// </summary>
    public static void Forward(HttpContext context, ListenerConfig listener)
    {
        var headers = context.Request.Headers;
        headers.Remove(ForwardedHeader);
        if (listener.ClientValidation is null) return;
        if (context.Features.Get<ClientCertificateState>()?.Forwarded is { } value) headers[ForwardedHeader] = value;
    }
}

/// <summary>A connection's client certificate: which validation it went through and, when verified, its description for backends.</summary>
internal sealed class ClientCertificateState(string validationKey)
{
    /// <summary>The <see cref="ClientCertificateValidation.Key"/> the handshake used.</summary>
    public string ValidationKey => validationKey;

    /// <summary>
    /// The <c>x-forwarded-client-cert</c> value of a verified certificate (Envoy's format: <c>Hash</c>, the SHA-256 of
    /// its DER in hex; <c>Cert</c>, its URL-encoded PEM; <c>Subject</c>; each <c>URI</c> and <c>DNS</c> subject alt
    /// name); null when none was verified.
    /// </summary>
    public string? Forwarded { get; private set; }

    /// <summary>Written once, during the handshake, before any request of the connection is read.</summary>
    public void Verified(X509Certificate certificate)
    {
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var b = new StringBuilder();
        b.Append("Hash=").Append(Convert.ToHexStringLower(SHA256.HashData(leaf.RawData)));
        b.Append(";Cert=\"").Append(Uri.EscapeDataString(leaf.ExportCertificatePem())).Append('"');
        b.Append(";Subject=\"").Append(Quoted(leaf.Subject)).Append('"');
        foreach (var extension in leaf.Extensions)
        {
            if (extension is not X509SubjectAlternativeNameExtension names) continue;
            foreach (var uri in Forwarding.UpstreamTls.UriNames(names.RawData)) b.Append(";URI=").Append(Value(uri));
            foreach (var dns in names.EnumerateDnsNames()) b.Append(";DNS=").Append(Value(dns));
        }
        Forwarded = b.ToString();
    }

    /// <summary>A value as is, or in double quotes when it holds a separator (, ; =) or a double quote.</summary>
    private static string Value(string value) => value.AsSpan().IndexOfAny(",;=\"") < 0 ? value : $"\"{Quoted(value)}\"";

    /// <summary>A value inside double quotes: backslash and double quote escaped.</summary>
    private static string Quoted(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
