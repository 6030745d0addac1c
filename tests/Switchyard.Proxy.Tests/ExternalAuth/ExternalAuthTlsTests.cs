using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ExternalAuth;

/// <summary>
/// An authorization service under a BackendTLSPolicy is asked over TLS, with the policy's checks: a certificate for the
/// policy's hostname from the ConfigMap's CA is accepted; any other fails closed (503 naming why), never in cleartext.
/// </summary>
public sealed class ExternalAuthTlsTests : IDisposable
{
    private const string Hostname = "authz.default.svc.cluster.local";
    private readonly TestCertificates _ca = new();

    public void Dispose() => _ca.Dispose();

    /// <summary>Allows every request, saying whether it came over TLS.</summary>
    private static Task Allow(HttpContext context)
    {
        context.Response.Headers["x-user"] = context.Request.IsHttps ? "over-tls" : "in-cleartext";
        return Task.CompletedTask;
    }

    private async Task<HttpResponseMessage> GetAsync(X509Certificate2 authCertificate)
    {
        await using var echo = await EchoBackend.StartAsync("echo");
        await using var auth = await KestrelBackend.StartAsync(HttpProtocols.Http1, Allow, certificate: authCertificate);
        var pem = string.Join("\n", _ca.Ca.ExportCertificatePem().Trim().Split('\n').Select(l => "    " + l));
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - filters: [{type: ExternalAuth, externalAuth: {protocol: HTTP, backendRef: {name: authz, port: 80}, http: {allowedResponseHeaders: [x-user]}}}]
                  backendRefs: [{name: echo, port: 80}]
            """) + Manifests.Service("echo", echo.Port) + Manifests.Service("authz", auth.Port) + $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata: {name: authz-tls, namespace: default}
            spec:
              targetRefs: [{group: "", kind: Service, name: authz}]
              validation:
                caCertificateRefs: [{group: "", kind: ConfigMap, name: authz-ca}]
                hostname: {{Hostname}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: authz-ca, namespace: default}
            data:
              ca.crt: |
            {{pem}}

            """);
        using var client = Manifests.Client();
        var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "shop.test", "GET", "/"));
        await response.Content.LoadIntoBufferAsync();
        Assert.Equal(Hostname == authCertificate.GetNameInfo(X509NameType.DnsName, false) ? 1 : 0, echo.Requests);
        return response;
    }

    [Fact]
    public async Task CertificateForThePolicysHostname_AskedOverTls()
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        using var response = await GetAsync(certificate);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("over-tls", response.Headers.GetValues("x-echo-h-x-user").Single());
    }

    [Fact]
    public async Task CertificateForAnotherName_FailsClosedNamingWhy()
    {
        using var certificate = _ca.ServerCertificate("other.default.svc", ["other.default.svc"]);
        using var response = await GetAsync(certificate);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = response.Headers.GetValues("x-switchyard-error").Single();
        Assert.Contains("external auth default/authz:80: endpoint 127.0.0.1:", error, StringComparison.Ordinal);
        Assert.Contains($"TLS handshake failed: ", error, StringComparison.Ordinal);
        Assert.Contains($"is not for {Hostname}", error, StringComparison.Ordinal);
    }
}
