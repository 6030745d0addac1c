using System.Net;
using System.Security.Cryptography.X509Certificates;
using Envoy.Config.Core.V3;
using Envoy.Service.Auth.V3;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ExternalAuth;

/// <summary>
/// An authorization service under a BackendTLSPolicy (protocol HTTP, or GRPC with ALPN h2) is asked over TLS, with the policy's checks: a certificate for the
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

    /// <summary>The same as <see cref="Allow"/> for protocol GRPC: status OK with x-user.</summary>
    private static Task<CheckResponse> AllowGrpc(CheckRequest request, ServerCallContext context) => Task.FromResult(new CheckResponse
    {
        OkResponse = new OkHttpResponse
        {
            Headers = { new HeaderValueOption { Header = new HeaderValue { Key = "x-user", Value = context.GetHttpContext().Request.IsHttps ? "over-tls" : "in-cleartext" } } },
        },
    });

    private async Task<HttpResponseMessage> GetAsync(X509Certificate2 authCertificate, bool grpc = false)
    {
        await using var echo = await EchoBackend.StartAsync("echo");
        await using IAsyncDisposable auth = grpc
            ? await ExtAuthzServer.StartAsync(AllowGrpc, authCertificate)
            : await KestrelBackend.StartAsync(HttpProtocols.Http1, Allow, certificate: authCertificate);
        var authPort = auth is ExtAuthzServer g ? g.Port : ((KestrelBackend)auth).Port;
        var filter = grpc ? "{protocol: GRPC, backendRef: {name: authz, port: 80}, grpc: {}}" : "{protocol: HTTP, backendRef: {name: authz, port: 80}, http: {allowedResponseHeaders: [x-user]}}";
        var pem = string.Join("\n", _ca.Ca.ExportCertificatePem().Trim().Split('\n').Select(l => "    " + l));
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - filters: [{type: ExternalAuth, externalAuth: {{filter}}}]
                  backendRefs: [{name: echo, port: 80}]
            """.Replace("{{filter}}", filter, StringComparison.Ordinal)) + Manifests.Service("echo", echo.Port) + Manifests.Service("authz", authPort) + $$"""
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CertificateForThePolicysHostname_AskedOverTls(bool grpc)
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        using var response = await GetAsync(certificate, grpc);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("over-tls", response.Headers.GetValues("x-echo-h-x-user").Single());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CertificateForAnotherName_FailsClosedNamingWhy(bool grpc)
    {
        using var certificate = _ca.ServerCertificate("other.default.svc", ["other.default.svc"]);
        using var response = await GetAsync(certificate, grpc);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = response.Headers.GetValues("x-switchyard-error").Single();
        Assert.Contains("external auth default/authz:80: endpoint 127.0.0.1:", error, StringComparison.Ordinal);
        Assert.Contains($"TLS handshake failed: ", error, StringComparison.Ordinal);
        Assert.Contains($"is not for {Hostname}", error, StringComparison.Ordinal);
    }
}
