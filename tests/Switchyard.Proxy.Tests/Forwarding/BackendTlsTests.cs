using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>
/// BackendTLSPolicy: the gateway reaches a real Kestrel HTTPS backend over TLS, checks its certificate against the CA of
/// a ConfigMap and the policy's hostname or subjectAltNames, and never falls back to cleartext: a certificate that fails
/// answers 503 with the reason, a policy whose CA cannot be read answers 500.
/// </summary>
public sealed class BackendTlsTests : IDisposable
{
    private const string Hostname = "api.web.svc.cluster.local";
    private const string Spiffe = "spiffe://cluster.local/ns/web/sa/api";
    private readonly TestCertificates _ca = new();
    private readonly TestCertificates _otherCa = new();

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
    }

    /// <summary>Answers with whether the request came over TLS.</summary>
    private static Task Echo(HttpContext context)
    {
        context.Response.Headers["x-tls"] = context.Request.IsHttps ? "yes" : "no";
        return context.Response.WriteAsync("secure hello");
    }

    private static string Indent(string pem, int spaces) => string.Join("\n", pem.Trim().Split('\n').Select(l => new string(' ', spaces) + l));

    /// <summary>Service api (ports http and plain on the backend), the policy, its ConfigMap, after <paramref name="routes"/> (by default every request to api:80).</summary>
    private string Yaml(int backendPort, string validation, string? configMapPem = null, string sectionName = "", string? routes = null, string annotations = "{}") =>
        (routes ?? GatewayYaml.AllTo("api")) + $"""
        apiVersion: v1
        kind: Service
        metadata: {"{"}name: api, namespace: default, annotations: {annotations}{"}"}
        spec:
          ports: [{"{"}name: http, port: 80{"}"}, {"{"}name: plain, port: 81{"}"}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: api-1
          namespace: default
          labels: {"{"}kubernetes.io/service-name: api{"}"}
        addressType: IPv4
        ports: [{"{"}name: http, port: {backendPort}{"}"}, {"{"}name: plain, port: {backendPort}{"}"}]
        endpoints:
          - addresses: ["127.0.0.1"]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {"{"}name: api-tls, namespace: default{"}"}
        spec:
          targetRefs: [{"{"}group: "", kind: Service, name: api{sectionName}{"}"}]
          validation:
        {validation}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {"{"}name: api-ca, namespace: default{"}"}
        data:
          ca.crt: |
        {Indent(configMapPem ?? _ca.Ca.ExportCertificatePem(), 4)}

        """;

    private const string ByHostname = $"""
            caCertificateRefs: [{"{"}group: "", kind: ConfigMap, name: api-ca{"}"}]
            hostname: {Hostname}
        """;

    /// <summary>One request through the gateway to an HTTPS backend; the response carries the SNI name the backend saw as x-sni.</summary>
    private async Task<HttpResponseMessage> GetThroughGatewayAsync(X509Certificate2 backendCertificate, string yamlValidation, string? configMapPem = null, string sectionName = "")
    {
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, Echo, certificate: backendCertificate);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, yamlValidation, configMapPem, sectionName));
        using var client = Manifests.Client();
        var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "api.test", "GET", "/"));
        await response.Content.LoadIntoBufferAsync();
        response.Headers.TryAddWithoutValidation("x-sni", backend.ServerName ?? "(none)");
        return response;
    }

    private static string Error(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-switchyard-error", out var values) ? values.Single() : "(no x-switchyard-error)";

    [Fact]
    public async Task CertificateForTheHostnameFromTheConfigMapCa_Served()
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        using var response = await GetThroughGatewayAsync(certificate, ByHostname);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("secure hello", await response.Content.ReadAsStringAsync());
        Assert.Equal("yes", response.Headers.GetValues("x-tls").Single());
        Assert.Equal(Hostname, response.Headers.GetValues("x-sni").Single());
    }

    [Fact]
    public async Task SequentialRequests_ReuseOneTlsConnection()
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, Echo, certificate: certificate);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname));
        using var client = Manifests.Client();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "api.test", "GET", "/"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var pool = Assert.Single(proxy.Runtime.Endpoints.All).Pool;
        Assert.NotNull(pool.Tls);
        // Reused, not one per request (a TLS 1.3 session ticket does not evict a connection): at most one per event loop,
        // since a request reuses the idle connections of the loop it runs on.
        Assert.InRange(pool.IdleCount, 1, proxy.Runtime.Loops!.Count);
    }

    [Fact]
    public async Task CertificateForAnotherName_503NamingWhy()
    {
        using var certificate = _ca.ServerCertificate("other.web.svc", ["other.web.svc"]);
        using var response = await GetThroughGatewayAsync(certificate, ByHostname);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains($"is not for {Hostname}", Error(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateFromAnotherCa_503NamingWhy()
    {
        using var certificate = _otherCa.ServerCertificate(Hostname, [Hostname]);
        using var response = await GetThroughGatewayAsync(certificate, ByHostname);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("is not signed by the policy's CA certificates", Error(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemTrustStore_DoesNotTrustAPrivateCa()
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        using var response = await GetThroughGatewayAsync(certificate, $"""
                wellKnownCACertificates: System
                hostname: {Hostname}
            """);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("is not signed by a CA the system trusts", Error(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UriSubjectAltName_MatchesInsteadOfTheHostname()
    {
        using var certificate = _ca.ServerCertificate("workload", ["workload.internal"], [Spiffe]);
        var validation = $$"""
                caCertificateRefs: [{group: "", kind: ConfigMap, name: api-ca}]
                hostname: {{Hostname}}
                subjectAltNames: [{type: URI, uri: "{{Spiffe}}"}]
            """;
        using (var response = await GetThroughGatewayAsync(certificate, validation))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Hostname, response.Headers.GetValues("x-sni").Single()); // SNI is still the hostname
        }
        using var other = await GetThroughGatewayAsync(certificate, validation.Replace("sa/api", "sa/billing", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
        Assert.Contains("carries none of the subjectAltNames spiffe://cluster.local/ns/web/sa/billing", Error(other), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WildcardHostnameSubjectAltName_CoversOneLabel()
    {
        using var certificate = _ca.ServerCertificate("wild", ["*.web.svc.cluster.local"]);
        using var response = await GetThroughGatewayAsync(certificate, $$"""
                caCertificateRefs: [{group: "", kind: ConfigMap, name: api-ca}]
                hostname: {{Hostname}}
                subjectAltNames: [{type: Hostname, hostname: api.web.svc.cluster.local}]
            """);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ConfigMapWithoutACertificate_500AndNoCleartext()
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        using var response = await GetThroughGatewayAsync(certificate, ByHostname, configMapPem: "not a certificate");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("backendTLSPolicy default/api-tls: no valid CA certificate: ConfigMap default/api-ca: ca.crt holds no PEM certificate", Error(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyForAnotherPort_LeavesThisPortInCleartext()
    {
        // The policy names port "plain"; the route goes to port "http", which stays cleartext: the TLS backend then
        // refuses the gateway's plain bytes.
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, Echo, certificate: certificate);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname, sectionName: ", sectionName: plain"));
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "api.test", "GET", "/"));
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Assert.Single(proxy.Runtime.Endpoints.All).Pool.Tls);
    }

    [Fact]
    public async Task Status_EachPolicyPerGateway_AcceptedResolvedOrWhyNot()
    {
        // Three policies on Service api: api-tls (valid), b-conflict (same target, later by name: Conflicted) and, on
        // Service other that no route uses, c-unused (no ancestor, no status of ours).
        var yaml = Yaml(1, ByHostname) + $"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata: {"{"}name: b-conflict, namespace: default{"}"}
            spec:
              targetRefs: [{"{"}group: "", kind: Service, name: api{"}"}]
              validation: {"{"}caCertificateRefs: [{"{"}group: "", kind: ConfigMap, name: missing-ca{"}"}], hostname: {Hostname}{"}"}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata: {"{"}name: c-unused, namespace: default{"}"}
            spec:
              targetRefs: [{"{"}group: "", kind: Service, name: other{"}"}]
              validation: {"{"}wellKnownCACertificates: System, hostname: {Hostname}{"}"}
            """;
        await using var proxy = await Manifests.StartAsync(yaml);
        var statuses = proxy.Statuses.Where(s => s.Object is Model.Gateway.BackendTLSPolicy)
            .ToDictionary(s => s.Object.Metadata.Name, s => (Model.Gateway.PolicyStatus)s.Status);
        Assert.Equal(["api-tls", "b-conflict"], statuses.Keys.Order());

        var valid = Assert.Single(statuses["api-tls"].Ancestors!);
        Assert.Equal(("Gateway", "web"), (valid.AncestorRef.Kind, valid.AncestorRef.Name));
        Assert.Equal("switchyard.dev/gateway-controller", valid.ControllerName);
        Assert.Equal(["Accepted=True/Accepted", "ResolvedRefs=True/ResolvedRefs"], valid.Conditions!.Select(c => $"{c.Type}={c.Status}/{c.Reason}"));

        var loser = Assert.Single(statuses["b-conflict"].Ancestors!);
        Assert.Equal(["Accepted=False/Conflicted", "ResolvedRefs=False/InvalidCACertificateRef"], loser.Conditions!.Select(c => $"{c.Type}={c.Status}/{c.Reason}"));
        Assert.Contains("ConfigMap default/missing-ca not found", loser.Conditions![1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MirrorToATlsBackend_DroppedNotSentInCleartext()
    {
        // Mirror copies go out in cleartext; a Service under a BackendTLSPolicy must not receive one.
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        var received = 0;
        await using var tlsBackend = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => { Interlocked.Increment(ref received); return Echo(c); }, certificate: certificate);
        await using var primary = await EchoBackend.StartAsync("primary");
        var routes = GatewayYaml.Route("""
                - filters: [{type: RequestMirror, requestMirror: {backendRef: {name: api, port: 80}}}]
                  backendRefs: [{name: primary, port: 80}]
            """) + Manifests.Service("primary", primary.Port);
        var yaml = Yaml(tlsBackend.Port, ByHostname, routes: routes);
        await using var proxy = await Manifests.StartAsync(yaml);
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "api.test", "GET", "/"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Wait.UntilAsync(() => proxy.Runtime.Metrics.MirrorCount("httproute default/r rule 0", "dropped") == 1, "the copy is counted as dropped");
        Assert.Equal(0, Volatile.Read(ref received));
    }

    private const string GrpcRoute = Manifests.GatewayClass + """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: web, namespace: default}
        spec: {gatewayClassName: switchyard, listeners: [{name: http, port: 0, protocol: HTTP}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: g, namespace: default}
        spec:
          parentRefs: [{name: web}]
          rules: [{backendRefs: [{name: api, port: 80}]}]
        ---

        """;

    /// <summary>An empty gRPC-framed call of svc.Api/Do over HTTP/2 with prior knowledge.</summary>
    private static HttpRequestMessage GrpcRequest(int port)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/svc.Api/Do")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        return request;
    }

    /// <summary>A gRPC-framed call through the gateway (HTTP/2 with prior knowledge) to a GRPCRoute whose backend is under the policy.</summary>
    private async Task<HttpResponseMessage> GrpcCallAsync(X509Certificate2 backendCertificate)
    {
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http2, context =>
        {
            context.Response.Headers["x-tls"] = context.Request.IsHttps ? "yes" : "no";
            context.Response.Headers["x-protocol"] = context.Request.Protocol;
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            return Task.CompletedTask;
        }, certificate: backendCertificate);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname, routes: GrpcRoute));
        using var client = Manifests.Client();
        using var request = GrpcRequest(Manifests.Port(proxy));
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        response.Headers.TryAddWithoutValidation("x-sni", backend.ServerName ?? "(none)");
        return response;
    }

    [Fact]
    public async Task GrpcRouteToATlsBackend_Http2OverTls()
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        using var response = await GrpcCallAsync(certificate);
        Assert.True(response.StatusCode == HttpStatusCode.OK && response.Headers.Contains("x-tls"), $"{response.StatusCode} {response.Headers}");
        Assert.Equal(("yes", "HTTP/2", Hostname), (response.Headers.GetValues("x-tls").Single(), response.Headers.GetValues("x-protocol").Single(), response.Headers.GetValues("x-sni").Single()));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task GrpcRouteToATlsBackend_UntrustedCertificate_Unavailable()
    {
        using var certificate = _otherCa.ServerCertificate(Hostname, [Hostname]);
        using var response = await GrpcCallAsync(certificate);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // a gRPC trailers-only error
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("is not signed by the policy's CA certificates", Error(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActiveHealthChecks_SpeakTlsWithThePolicysChecks()
    {
        const string Checked = "{lb.switchyard.dev/health-check-path: /healthz, lb.switchyard.dev/health-check-interval: 20ms, lb.switchyard.dev/health-check-unhealthy-threshold: \"2\"}";
        using var trusted = _ca.ServerCertificate(Hostname, [Hostname]);
        await using (var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, Echo, certificate: trusted))
        await using (var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname, annotations: Checked)))
        {
            var endpoint = Assert.Single(proxy.Runtime.Endpoints.All);
            Assert.Matches($"^127\\.0\\.0\\.1:{backend.Port} tls:[0-9a-f]{{8}}$", endpoint.Name); // not the cleartext endpoint's name
            await Wait.UntilAsync(() => proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: true) >= 3, "three passing checks over TLS");
            Assert.False(endpoint.FailingActiveChecks);
        }

        using var untrusted = _otherCa.ServerCertificate(Hostname, [Hostname]);
        await using (var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, Echo, certificate: untrusted))
        await using (var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname, annotations: Checked)))
        {
            var endpoint = Assert.Single(proxy.Runtime.Endpoints.All);
            await Wait.UntilAsync(() => endpoint.FailingActiveChecks, "the endpoint with an untrusted certificate marked failing");
            Assert.Contains("TLS: certificate CN=api.web.svc.cluster.local is not signed by the policy's CA certificates", endpoint.LastHealthCheckFailure, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LeafFromAnIntermediate_ConfigMapHoldsOnlyTheRoot_Served()
    {
        // The common case: the endpoint sends its leaf and the intermediate; the policy trusts the root alone.
        var (leaf, intermediate) = _ca.ServerCertificateViaIntermediate(Hostname);
        using (leaf)
        using (intermediate)
        {
            await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, Echo, certificate: leaf, chain: [intermediate]);
            await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname));
            using var client = Manifests.Client();
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "api.test", "GET", "/"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, Error(response));
        }
    }

    [Fact]
    public async Task Http2TlsHandlers_OfRetiredSettings_AreForgotten()
    {
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http2, context => Task.CompletedTask, certificate: certificate);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname, routes: GrpcRoute));
        using var client = Manifests.Client();
        using var request = GrpcRequest(Manifests.Port(proxy));
        using var response = await client.SendAsync(request);
        var forwarder = (Switchyard.Proxy.Forwarding.Http2Forwarder)proxy.Runtime.H2cForwarder;
        Assert.Equal(1, forwarder.TlsHandlers);
        var live = proxy.Runtime.Endpoints.All.Select(e => e.Pool.Tls?.Key).OfType<string>().ToHashSet();
        forwarder.Retain(live, TimeSpan.Zero, TimeProvider.System);
        Assert.Equal(1, forwarder.TlsHandlers); // still in use
        forwarder.Retain(new HashSet<string>(), TimeSpan.Zero, TimeProvider.System);
        Assert.Equal(0, forwarder.TlsHandlers); // the policy went: its handler is dropped
    }

    [Fact]
    public async Task IdleTlsConnectionTheBackendClosed_NotUsedForTheNextPost()
    {
        // Idle TLS sockets are not watched (session tickets leave them readable), so the pool checks at rent time whether
        // the endpoint closed one. A POST cannot be replayed: sent into the closed connection it would fail with 502.
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            await context.Response.WriteAsync("got " + await reader.ReadToEndAsync());
        }, certificate: certificate, keepAlive: TimeSpan.FromMilliseconds(500));
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, ByHostname));
        using var client = Manifests.Client();
        async Task<string> PostAsync(string body)
        {
            using var request = Manifests.Request(Manifests.Port(proxy), "api.test", "POST", "/");
            request.Content = new StringContent(body);
            using var response = await client.SendAsync(request);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }
        Assert.Equal("200 got one", await PostAsync("one"));
        var pool = Assert.Single(proxy.Runtime.Endpoints.All).Pool;
        await Wait.UntilAsync(() => pool.IdleCount == 1, "the connection back in the pool");
        await Wait.UntilAsync(() => pool.HasIdleClosedByPeer, "Kestrel closing the idle connection at its keep-alive timeout");
        Assert.Equal("200 got two", await PostAsync("two"));
    }
}
