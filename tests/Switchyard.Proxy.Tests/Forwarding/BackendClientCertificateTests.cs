using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>
/// Gateway TLS origination with a client certificate (Gateway <c>spec.tls.backend.clientCertificateRef</c>): a real
/// Kestrel HTTPS backend that requires client certificates sees the Gateway's, over HTTP/1.1 and HTTP/2; without one it
/// refuses the handshake; an unusable reference is reported on the Gateway and fails only its TLS backends; each
/// Gateway presents its own, and a rotated Secret is presented on new connections.
/// </summary>
public sealed class BackendClientCertificateTests : IAsyncLifetime
{
    private const string Hostname = "api.web.svc.cluster.local";
    private readonly TestCertificates _ca = new("Switchyard Test Backend CA");
    private readonly TestCertificates _clients = new("Switchyard Test Gateway Client CA");
    private EchoBackend _plain = null!;

    public async Task InitializeAsync() => _plain = await EchoBackend.StartAsync("plain");

    public async Task DisposeAsync()
    {
        await _plain.DisposeAsync();
        _ca.Dispose();
        _clients.Dispose();
    }

    /// <summary>Answers with the subject of the client certificate the backend received, or "(none)".</summary>
    private static Task Echo(HttpContext context)
    {
        context.Response.Headers["x-client-subject"] = context.Connection.ClientCertificate?.Subject ?? "(none)";
        context.Response.Headers["x-protocol"] = context.Request.Protocol;
        if (context.Request.ContentType == "application/grpc")
        {
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            return Task.CompletedTask;
        }
        return context.Response.WriteAsync("hello");
    }

    private Task<KestrelBackend> StartBackendAsync(HttpProtocols protocols = HttpProtocols.Http1)
    {
        var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        return KestrelBackend.StartAsync(protocols, Echo, certificate: certificate, clientCertificates: ClientCertificateMode.RequireCertificate);
    }

    /// <summary>A kubernetes.io/tls Secret holding a client certificate for CN=<paramref name="commonName"/> from the clients' CA.</summary>
    private string ClientSecret(string name, string commonName, string ns = "default")
    {
        using var certificate = _clients.ClientCertificate(commonName);
        using var key = certificate.GetRSAPrivateKey()!;
        return TestCertificates.SecretYaml(name, ns, certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static string Indent(string pem, int spaces) => string.Join("\n", pem.Trim().Split('\n').Select(l => new string(' ', spaces) + l));

    /// <summary>
    /// Gateway <paramref name="gateway"/> on <paramref name="address"/> with <c>spec.tls</c> <paramref name="tls"/>; its
    /// HTTPRoute sends /plain to a cleartext backend and everything else to Service api (or, with <paramref name="grpc"/>,
    /// a GRPCRoute to api). With <paramref name="shared"/>: Service api on <paramref name="backendPort"/> under a
    /// BackendTLSPolicy trusting the backend CA, and the cleartext Service.
    /// </summary>
    private string Yaml(int backendPort, string tls, string gateway = "web", string address = "127.0.0.1", bool shared = true, bool grpc = false) =>
        (shared ? Manifests.GatewayClass : "") + $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{{gateway}}}, namespace: default}
        spec:
          gatewayClassName: switchyard
          addresses: [{type: IPAddress, value: "{{{address}}}"}]
          listeners: [{name: http, port: 0, protocol: HTTP}]
          tls: {{{tls}}}
        ---
        """ + (grpc ? $$$"""

        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: {{{gateway}}}, namespace: default}
        spec:
          parentRefs: [{name: {{{gateway}}}}]
          rules: [{backendRefs: [{name: api, port: 80}]}]
        ---

        """ : $$$"""

        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{{gateway}}}, namespace: default}
        spec:
          parentRefs: [{name: {{{gateway}}}}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /plain}}]
              backendRefs: [{name: plain, port: 80}]
            - backendRefs: [{name: api, port: 80}]
        ---

        """) + (shared ? $$$"""
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: default}
        spec:
          ports: [{name: https, port: 80{{{(grpc ? ", appProtocol: kubernetes.io/h2c" : "")}}}}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: api-1
          namespace: default
          labels: {kubernetes.io/service-name: api}
        addressType: IPv4
        ports: [{name: https, port: {{{backendPort}}}}]
        endpoints:
          - addresses: ["127.0.0.1"]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: api-tls, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: api}]
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: api-ca}]
            hostname: {{{Hostname}}}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: api-ca, namespace: default}
        data:
          ca.crt: |
        {{{Indent(_ca.Ca.ExportCertificatePem(), 4)}}}
        ---

        """ + Manifests.Service("plain", _plain.Port) : "");

    private const string WithClient = "{backend: {clientCertificateRef: {name: gateway-client}}}";

    private static async Task<HttpResponseMessage> GetAsync(GatewayProxy proxy, string path = "/", string address = "127.0.0.1")
    {
        using var client = Manifests.Client();
        var port = proxy.Listeners.Single(l => l.Key.Address.Equals(IPAddress.Parse(address))).Value.Port;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{port}{path}");
        request.Headers.Host = "api.test";
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : $"(no {name})";

    private static V1Condition GatewayResolvedRefs(GatewayProxy proxy, string name = "web") =>
        ((GatewayStatus)proxy.Statuses.Single(s => s.Status is GatewayStatus && s.Object.Metadata.Name == name).Status).Conditions!.Single(c => c.Type == "ResolvedRefs");

    [Fact]
    public async Task ClientCertificateRef_PresentedToTheBackend()
    {
        await using var backend = await StartBackendAsync();
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, WithClient) + ClientSecret("gateway-client", "gateway-web"));
        using var response = await GetAsync(proxy);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("CN=gateway-web", Header(response, "x-client-subject"));
        var resolved = GatewayResolvedRefs(proxy);
        Assert.Equal(("True", "ResolvedRefs"), (resolved.Status, resolved.Reason));
    }

    [Fact]
    public async Task NoClientCertificateRef_TheBackendRefusesTheConnection_502()
    {
        await using var backend = await StartBackendAsync();
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, "{}"));
        using var response = await GetAsync(proxy);
        // TLS 1.3: the handshake completes on the gateway's side and the backend's certificate_required alert closes
        // the connection before it answers.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("upstream closed the connection before responding", Header(response, "x-switchyard-error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingSecret_GatewayResolvedRefsFalse_ItsTlsBackendsAnswer500_CleartextOnesServe()
    {
        await using var backend = await StartBackendAsync();
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, WithClient));
        var resolved = GatewayResolvedRefs(proxy);
        Assert.Equal(("False", "InvalidClientCertificateRef", "tls.backend.clientCertificateRef: secret default/gateway-client not found"),
            (resolved.Status, resolved.Reason, resolved.Message));
        using (var response = await GetAsync(proxy))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Contains("gateway default/web: tls.backend.clientCertificateRef: secret default/gateway-client not found", Header(response, "x-switchyard-error"), StringComparison.Ordinal);
        }
        using (var plain = await GetAsync(proxy, "/plain"))
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task SecretInAnotherNamespace_NeedsAReferenceGrant()
    {
        await using var backend = await StartBackendAsync();
        var tls = "{backend: {clientCertificateRef: {name: gateway-client, namespace: pki}}}";
        var yaml = Yaml(backend.Port, tls) + ClientSecret("gateway-client", "gateway-pki", "pki");
        await using (var denied = await Manifests.StartAsync(yaml))
        {
            var resolved = GatewayResolvedRefs(denied);
            Assert.Equal(("False", "RefNotPermitted"), (resolved.Status, resolved.Reason));
            Assert.Equal(HttpStatusCode.InternalServerError, (await GetAsync(denied)).StatusCode);
        }
        var grant = """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: gateways-use-client-certs, namespace: pki}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: default}]
              to: [{group: "", kind: Secret, name: gateway-client}]
            ---

            """;
        await using var granted = await Manifests.StartAsync(yaml + grant);
        Assert.Equal("True", GatewayResolvedRefs(granted).Status);
        Assert.Equal("CN=gateway-pki", Header(await GetAsync(granted), "x-client-subject"));
    }

    [Fact]
    public async Task TwoGateways_EachPresentsItsOwnCertificate_OnItsOwnConnections()
    {
        await using var backend = await StartBackendAsync();
        var yaml = Yaml(backend.Port, WithClient, "web", "127.0.0.5")
            + Yaml(backend.Port, "{backend: {clientCertificateRef: {name: admin-client}}}", "admin", "127.0.0.6", shared: false)
            + ClientSecret("gateway-client", "gateway-web") + ClientSecret("admin-client", "gateway-admin");
        await using var proxy = await Manifests.StartAsync(yaml);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("CN=gateway-web", Header(await GetAsync(proxy, address: "127.0.0.5"), "x-client-subject"));
            Assert.Equal("CN=gateway-admin", Header(await GetAsync(proxy, address: "127.0.0.6"), "x-client-subject"));
        }
        // One pool per Gateway certificate for the one endpoint, and none without a certificate, which no Gateway uses.
        Assert.Equal(2, proxy.Runtime.Endpoints.All.Count(e => e.Pool.Tls is not null));
    }

    [Fact]
    public async Task RotatedSecret_NewConnectionsPresentTheNewCertificate()
    {
        await using var backend = await StartBackendAsync();
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, WithClient) + ClientSecret("gateway-client", "gateway-2025"));
        Assert.Equal("CN=gateway-2025", Header(await GetAsync(proxy), "x-client-subject"));
        await proxy.ApplyAsync(Manifests.Read(Yaml(backend.Port, WithClient) + ClientSecret("gateway-client", "gateway-2026")), 2, CancellationToken.None);
        Assert.Equal("CN=gateway-2026", Header(await GetAsync(proxy), "x-client-subject"));
    }

    [Fact]
    public async Task GrpcRoute_Http2OverTls_PresentsTheCertificate()
    {
        await using var backend = await StartBackendAsync(HttpProtocols.Http2);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, WithClient, grpc: true) + ClientSecret("gateway-client", "gateway-grpc"));
        using var client = Manifests.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{Manifests.Port(proxy)}/svc.Api/Do")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        using var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("x-client-subject"), $"{response.StatusCode} {response.Headers}");
        Assert.Equal(("CN=gateway-grpc", "HTTP/2"), (Header(response, "x-client-subject"), Header(response, "x-protocol")));
    }
}
