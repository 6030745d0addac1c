using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>
/// Client certificate validation (Gateway <c>spec.tls.frontend</c>) over real TLS: HttpClient and curl present
/// certificates made by test CAs; the gateway accepts those chaining to the CA of the ConfigMap (or Secret) the
/// Gateway names, refuses the rest under AllowValidOnly, lets them through unverified under AllowInsecureFallback,
/// applies perPort overrides, reports unusable CA references in listener status, re-checks after a change, and tells
/// the backend who the client is in x-forwarded-client-cert (never what the client claims).
/// </summary>
public sealed class ClientCertificateTests : IAsyncLifetime
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.4");
    private const string Host = "mtls.example.test";
    private const string Spiffe = "spiffe://example.test/ns/shop/sa/checkout";

    /// <summary>Issues the gateway's serving certificate.</summary>
    private readonly TestCertificates _server = new();

    /// <summary>The CA the Gateway trusts for clients.</summary>
    private readonly TestCertificates _clients = new("Switchyard Test Client CA");

    /// <summary>A CA the Gateway does not trust (unless a test says so).</summary>
    private readonly TestCertificates _strangers = new("Switchyard Test Stranger CA");

    private EchoBackend _backend = null!;
    private string _serverSecret = "";

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync("site");
        _serverSecret = _server.Secret("mtls-tls", "default", Host, "other.example.test").Yaml;
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _server.Dispose();
        _clients.Dispose();
        _strangers.Dispose();
    }

    private static string Indent(string pem, int spaces) => string.Join("\n", pem.Trim().Split('\n').Select(l => new string(' ', spaces) + l));

    private static string CaConfigMap(string name, X509Certificate2 ca, string ns = "default") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        data:
          ca.crt: |
        {Indent(ca.ExportCertificatePem(), 4)}
        ---

        """;

    /// <summary>
    /// Gateway mtls on <see cref="Address"/> with <paramref name="listeners"/> (default: one HTTPS listener for
    /// <see cref="Host"/> on port 0) and <c>spec.tls</c> <paramref name="tls"/>; a route to the echo backend; the
    /// serving Secret; ConfigMap client-ca holding the clients' CA.
    /// </summary>
    /// <param name="shared">Whether to include the backend Service, the serving Secret and ConfigMap client-ca (once per manifest).</param>
    private string Yaml(string tls, string? listeners = null, string gateway = "mtls", bool shared = true) => (shared ? Manifests.GatewayClass : "") + $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{{gateway}}}, namespace: default}
        spec:
          gatewayClassName: switchyard
          addresses: [{type: IPAddress, value: "{{{Address}}}"}]
          listeners: {{{listeners ?? $"[{{name: https, port: 0, protocol: HTTPS, hostname: {Host}, tls: {{certificateRefs: [{{name: mtls-tls}}]}}}}]"}}}
          tls: {{{tls}}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: site-{{{gateway}}}, namespace: default}
        spec:
          parentRefs: [{name: {{{gateway}}}}]
          rules: [{backendRefs: [{name: site, port: 80}]}]
        ---

        """ + (shared ? Manifests.Service("site", _backend.Port) + _serverSecret + CaConfigMap("client-ca", _clients.Ca) : "");

    private const string ValidOnly = """{frontend: {default: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]}}}}""";
    private const string Fallback = """{frontend: {default: {validation: {mode: AllowInsecureFallback, caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]}}}}""";

    private static int Port(GatewayProxy proxy) => proxy.Listeners.Single().Value.Port;

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, int port, string host = Host, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{host}:{port}/who");
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>What the backend received as x-forwarded-client-cert; "(none)" when absent.</summary>
    private static string ForwardedClientCert(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-echo-h-x-forwarded-client-cert", out var values) ? values.Single() : "(none)";

    [Fact]
    public async Task ValidClientCertificate_ServedAndTheBackendSeesWhoItIs()
    {
        await using var proxy = await Manifests.StartAsync(Yaml(ValidOnly));
        using var certificate = _clients.ClientCertificate("checkout", [Spiffe]);
        using var client = _server.Client(Address, certificate);
        using var h2 = new HttpRequestMessage(HttpMethod.Get, $"https://{Host}:{Port(proxy)}/h2") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var h2Response = await client.SendAsync(h2);
        Assert.Equal(HttpStatusCode.OK, h2Response.StatusCode);
        using var response = await GetAsync(client, Port(proxy), headers: ("x-forwarded-client-cert", "Hash=forged;Subject=\"CN=admin\""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hash = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
        Assert.Equal(
            $"Hash={hash};Cert=\"{Uri.EscapeDataString(certificate.ExportCertificatePem())}\";Subject=\"CN=checkout\";URI={Spiffe}",
            ForwardedClientCert(response));
        // Named in Connection by the client, the proxy's header still goes to the backend.
        using var nominated = await GetAsync(client, Port(proxy), headers: ("Connection", "x-forwarded-client-cert"));
        Assert.StartsWith($"Hash={hash};", ForwardedClientCert(nominated), StringComparison.Ordinal);
        Assert.Equal(2, proxy.Runtime.Metrics.ClientCertificateCount("gateway default/mtls port 0", "verified")); // one HTTP/2 connection, one HTTP/1.1
    }

    [Fact]
    public async Task NoClientCertificate_AllowValidOnly_HandshakeRefused()
    {
        await using var proxy = await Manifests.StartAsync(Yaml(ValidOnly));
        using var client = _server.Client(Address, clientCertificate: null);
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(client, Port(proxy)));
        Assert.Equal(0, _backend.Requests);
        Assert.True(proxy.Runtime.Metrics.ClientCertificateCount("gateway default/mtls port 0", "refused") >= 1); // HttpClient may try again
    }

    [Fact]
    public async Task CertificateFromAnotherCa_Refused()
    {
        await using var proxy = await Manifests.StartAsync(Yaml(ValidOnly));
        using var certificate = _strangers.ClientCertificate("checkout");
        using var client = _server.Client(Address, certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(client, Port(proxy)));
        Assert.Equal(0, _backend.Requests);
    }

    [Fact]
    public async Task CertificateForServerAuthenticationOnly_Refused()
    {
        await using var proxy = await Manifests.StartAsync(Yaml(ValidOnly));
        using var certificate = _clients.ClientCertificate("a-server", usage: "1.3.6.1.5.5.7.3.1");
        using var client = _server.Client(Address, certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(client, Port(proxy)));
        Assert.Equal(0, _backend.Requests);
    }

    [Fact]
    public async Task InsecureFallback_UnverifiedClientsServedWithoutIdentity_AndTheGatewaySaysSo()
    {
        await using var proxy = await Manifests.StartAsync(Yaml(Fallback));
        var port = Port(proxy);
        using (var anonymous = _server.Client(Address, clientCertificate: null))
        using (var response = await GetAsync(anonymous, port, headers: ("X-Forwarded-Client-Cert", "Hash=forged")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("(none)", ForwardedClientCert(response)); // the client's own header is removed
        }
        using (var stranger = _strangers.ClientCertificate("mallory"))
        using (var client = _server.Client(Address, stranger))
        using (var response = await GetAsync(client, port))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("(none)", ForwardedClientCert(response)); // presented, not verified: not forwarded
        }
        using (var valid = _clients.ClientCertificate("checkout"))
        using (var client = _server.Client(Address, valid))
        using (var response = await GetAsync(client, port))
            Assert.StartsWith("Hash=", ForwardedClientCert(response), StringComparison.Ordinal);
        Assert.Equal(2, proxy.Runtime.Metrics.ClientCertificateCount("gateway default/mtls port 0", "unverified"));

        var status = GatewayStatus(proxy);
        var insecure = status.Conditions!.Single(c => c.Type == "InsecureFrontendValidationMode");
        Assert.Equal(("True", "ConfigurationChanged"), (insecure.Status, insecure.Reason));
        await proxy.ApplyAsync(Manifests.Read(Yaml(ValidOnly)), 2, CancellationToken.None);
        Assert.DoesNotContain(GatewayStatus(proxy).Conditions!, c => c.Type == "InsecureFrontendValidationMode");
    }

    [Fact]
    public async Task PerPort_OverridesTheDefaultForItsPortOnly()
    {
        var ports = Ports.Closed(3, Address);
        var (main, partners) = (ports[0], ports[1]);
        var listeners = $"[{{name: main, port: {main}, protocol: HTTPS, hostname: {Host}, tls: {{certificateRefs: [{{name: mtls-tls}}]}}}}, "
            + $"{{name: partners, port: {partners}, protocol: HTTPS, hostname: {Host}, tls: {{certificateRefs: [{{name: mtls-tls}}]}}}}, "
            + $"{{name: open, port: {ports[2]}, protocol: HTTP}}]";
        var tls = $$$$"""{frontend: {default: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]}}, perPort: [{port: {{{{partners}}}}, tls: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: partner-ca}]}}}]}}""";
        await using var proxy = await Manifests.StartAsync(Yaml(tls, listeners) + CaConfigMap("partner-ca", _strangers.Ca));
        using var ours = _clients.ClientCertificate("checkout");
        using var partner = _strangers.ClientCertificate("partner");
        using var oursClient = _server.Client(Address, ours);
        using var partnerClient = _server.Client(Address, partner);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(oursClient, main)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(partnerClient, partners)).StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(partnerClient, main));
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(oursClient, partners));
    }

    [Fact]
    public async Task Status_UnusableCaReferences_ResolvedRefsFalse_AndNoneUsable_ListenerNotAccepted()
    {
        var listeners = $"[{{name: https, port: 0, protocol: HTTPS, hostname: {Host}, tls: {{certificateRefs: [{{name: mtls-tls}}]}}}}, {{name: http, port: {Ports.Closed(1, Address)[0]}, protocol: HTTP}}]";
        var some = """{frontend: {default: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}, {group: "", kind: ConfigMap, name: nosuch}, {group: "", kind: ConfigMap, name: pki-ca, namespace: pki}]}}}}""";
        var none = """{frontend: {default: {validation: {caCertificateRefs: [{group: "", kind: Service, name: client-ca}, {group: "", kind: Secret, name: mtls-tls}]}}}}""";
        var secret = """{frontend: {default: {validation: {caCertificateRefs: [{group: "", kind: Secret, name: ca-secret}]}}}}""";
        // Three Gateways on one address and port: each listener has a hostname of its own (a repeated one would be Conflicted).
        static string Own(string host) => $"[{{name: https, port: 0, protocol: HTTPS, hostname: {host}, tls: {{certificateRefs: [{{name: mtls-tls}}]}}}}]";
        var yaml = Yaml(some, listeners, "some") + Yaml(none, Own("none.example.test"), "none", shared: false) + Yaml(secret, Own("secret.example.test"), "secret", shared: false)
            + CaConfigMap("pki-ca", _clients.Ca, "pki")
            + TestCertificates.SecretYaml("ca-secret", "default", _clients.Ca.ExportCertificatePem(), "unused").Replace("tls.crt", "ca.crt", StringComparison.Ordinal);
        await using var proxy = await Manifests.StartAsync(yaml);

        var someStatus = GatewayStatus(proxy, "some");
        Assert.Equal(
            ("True", "Accepted", "False", "InvalidCACertificateRef",
             "caCertificateRef ConfigMap default/nosuch not found; caCertificateRef ConfigMap pki/pki-ca: no ReferenceGrant in pki allows Gateways from default", "True"),
            Listener(someStatus, "https"));
        Assert.Equal(("True", "Accepted", "True", "ResolvedRefs", "all references resolved", "True"), Listener(someStatus, "http"));

        var noneStatus = GatewayStatus(proxy, "none");
        var https = noneStatus.Listeners!.Single().Conditions!;
        Assert.Equal(("False", "NoValidCACertificate", "no usable CA certificate for client certificate validation on port 0"),
            (https.Single(c => c.Type == "Accepted").Status, https.Single(c => c.Type == "Accepted").Reason, https.Single(c => c.Type == "Accepted").Message));
        Assert.Equal(("False", "InvalidCACertificateKind",
                "caCertificateRef Service client-ca: only ConfigMaps and Secrets (key ca.crt) are supported; Secret default/mtls-tls has no ca.crt"),
            (https.Single(c => c.Type == "ResolvedRefs").Status, https.Single(c => c.Type == "ResolvedRefs").Reason, https.Single(c => c.Type == "ResolvedRefs").Message));
        Assert.Equal("False", https.Single(c => c.Type == "Programmed").Status);

        Assert.Equal(("True", "Accepted", "True", "ResolvedRefs", "all references resolved", "True"), Listener(GatewayStatus(proxy, "secret"), "https"));
    }

    [Fact]
    public async Task CrossNamespaceCa_WithAReferenceGrant_Used()
    {
        var tls = """{frontend: {default: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: pki-ca, namespace: pki}]}}}}""";
        var grant = """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: gateways-read-cas, namespace: pki}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: default}]
              to: [{group: "", kind: ConfigMap}]
            ---

            """;
        await using var proxy = await Manifests.StartAsync(Yaml(tls) + CaConfigMap("pki-ca", _clients.Ca, "pki") + grant);
        Assert.Equal("True", Listener(GatewayStatus(proxy), "https").ResolvedRefs);
        using var certificate = _clients.ClientCertificate("checkout");
        using var client = _server.Client(Address, certificate);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, Port(proxy))).StatusCode);
    }

    [Fact]
    public async Task ChangedCa_NewHandshakesUseIt_AndOpenConnectionsAreSentAway()
    {
        await using var proxy = await Manifests.StartAsync(Yaml(ValidOnly));
        var port = Port(proxy);
        using var certificate = _clients.ClientCertificate("checkout");
        using var client = _server.Client(Address, certificate);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, port)).StatusCode);

        // Now only the strangers' CA is trusted: the open connection was checked against the old one.
        await proxy.ApplyAsync(Manifests.Read(Yaml(ValidOnly.Replace("client-ca", "partner-ca", StringComparison.Ordinal)) + CaConfigMap("partner-ca", _strangers.Ca)), 2, CancellationToken.None);
        using (var stale = await GetAsync(client, port))
        {
            Assert.Equal(HttpStatusCode.MisdirectedRequest, stale.StatusCode);
            Assert.Contains("needs a client certificate checked by gateway default/mtls port 0", stale.Headers.GetValues("x-switchyard-error").Single(), StringComparison.Ordinal);
        }
        using var fresh = _server.Client(Address, certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(fresh, port));
        using var stranger = _strangers.ClientCertificate("partner");
        using var partner = _server.Client(Address, stranger);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(partner, port)).StatusCode);
        Assert.Equal(port, Port(proxy));
    }

    [SkippableFact]
    public async Task Curl_CertAndKey_Served_WithoutThem_Refused()
    {
        Curl.SkipIfMissing();
        await using var proxy = await Manifests.StartAsync(Yaml(ValidOnly));
        var port = Port(proxy);
        using var certificate = _clients.ClientCertificate("curl-client");
        var (cert, key) = TestCertificates.PemFiles(certificate);
        try
        {
            var resolve = $"{Host}:{port}:{Address}";
            var url = $"https://{Host}:{port}/who";
            var (exit, body, err) = await Curl.RunAsync("--cacert", _server.CaFile, "--resolve", resolve, "--cert", cert, "--key", key, "--include", url);
            Assert.True(exit == 0, err);
            Assert.Contains("x-echo-h-x-forwarded-client-cert: Hash=", body, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Subject=\"CN=curl-client\"", body, StringComparison.Ordinal);

            var refused = await Curl.RunAsync("--cacert", _server.CaFile, "--resolve", resolve, url);
            Assert.NotEqual(0, refused.Exit);
        }
        finally
        {
            File.Delete(cert);
            File.Delete(key);
        }
    }

    [SkippableFact]
    public async Task Curl_HostOfAValidatingGateway_OnAConnectionOpenedForAnother_421()
    {
        Curl.SkipIfMissing();
        // Gateways open (other.example.test, no validation) and mtls (mtls.example.test) share the address and port.
        var open = Yaml("{}", "[{name: https, port: 0, protocol: HTTPS, hostname: other.example.test, tls: {certificateRefs: [{name: mtls-tls}]}}]", "open", shared: false);
        await using var proxy = await Manifests.StartAsync(Yaml(ValidOnly) + open);
        var port = Port(proxy);
        var sni = $"other.example.test:{port}:{Address}";
        var (exit, body, err) = await Curl.RunAsync("--cacert", _server.CaFile, "--resolve", sni, "--include", $"https://other.example.test:{port}/who");
        Assert.True(exit == 0, err);
        Assert.StartsWith("HTTP/2 200", body, StringComparison.Ordinal);
        (exit, body, err) = await Curl.RunAsync("--cacert", _server.CaFile, "--resolve", sni, "--include", "--header", $"Host: {Host}", $"https://other.example.test:{port}/who");
        Assert.True(exit == 0, err);
        Assert.StartsWith("HTTP/2 421", body, StringComparison.Ordinal);
        Assert.Equal(1, _backend.Requests);
    }

    [Fact]
    public async Task RouteOfAValidatingListener_ReachedFromAnotherListenersHost_NotServedWithoutItsValidation()
    {
        // Gateway mtls validates clients on *.example.test; Gateway open, sharing the address and port, serves
        // other.example.test without validation, /public only. A request for other.example.test that only a route of
        // mtls matches must not get it on a connection that was never asked for a certificate: listener isolation keeps
        // it to the open listener's routes, which have none for it.
        var mtls = Yaml(ValidOnly, """[{name: https, port: 0, protocol: HTTPS, hostname: "*.example.test", tls: {certificateRefs: [{name: mtls-tls}]}}]""");
        var open = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: open, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: "127.0.0.4"}]
              listeners: [{name: https, port: 0, protocol: HTTPS, hostname: other.example.test, tls: {certificateRefs: [{name: mtls-tls}]}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: public, namespace: default}
            spec:
              parentRefs: [{name: open}]
              rules: [{matches: [{path: {type: PathPrefix, value: /public}}], backendRefs: [{name: site, port: 80}]}]
            ---

            """;
        await using var proxy = await Manifests.StartAsync(mtls + open);
        var port = Port(proxy);
        using var anonymous = _server.Client(Address, clientCertificate: null);
        using (var response = await GetAsync(anonymous, port, "other.example.test"))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, _backend.Requests);
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"https://other.example.test:{port}/public"))
        using (var response = await anonymous.SendAsync(request))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the open Gateway's own route
        Assert.Equal(1, _backend.Requests);

        // With the certificate (a connection opened for the validating listener), the route is served.
        using var certificate = _clients.ClientCertificate("checkout");
        using var client = _server.Client(Address, certificate);
        using (var response = await GetAsync(client, port, "mtls.example.test"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TlsRouteOfAValidatingListener_ReachedFromAnotherListenersName_ConnectionClosedWithoutItsValidation()
    {
        // As for HTTPS, with TLS listeners in Terminate mode: Gateway mtls validates clients on *.example.test and its
        // TLSRoute serves every name there; Gateway open, on the same address and port, has other.example.test and no route.
        var mtls = Yaml(ValidOnly, """[{name: tls, port: 0, protocol: TLS, hostname: "*.example.test", tls: {mode: Terminate, certificateRefs: [{name: mtls-tls}]}}]""");
        var open = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: open, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: "127.0.0.4"}]
              listeners: [{name: tls, port: 0, protocol: TLS, hostname: other.example.test, tls: {mode: Terminate, certificateRefs: [{name: mtls-tls}]}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: db, namespace: default}
            spec:
              parentRefs: [{name: mtls}]
              hostnames: ["*.example.test"]
              rules: [{backendRefs: [{name: site, port: 80}]}]
            ---

            """;
        await using var proxy = await Manifests.StartAsync(mtls + open);
        var port = Port(proxy);
        using (var anonymous = _server.Client(Address, clientCertificate: null))
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => GetAsync(anonymous, port, "other.example.test"));
        Assert.Equal(0, _backend.Requests);
        await Wait.UntilAsync(() => proxy.Runtime.Metrics.TlsConnectionCount("tlsroute default/db rule 0", "unvalidated") > 0, "the refused connection to be counted");

        using var certificate = _clients.ClientCertificate("checkout");
        using var client = _server.Client(Address, certificate);
        using (var response = await GetAsync(client, port, "mtls.example.test"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _backend.Requests);
    }

    [Fact]
    public async Task ExternalAuth_AllowedToSeeTheClientCertificateHeader_GetsTheVerifiedOneNeverTheClients()
    {
        // The authorization service lets in only the certificate with CN=admin, as x-forwarded-client-cert describes it.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var authz = await KestrelBackend.StartAsync(Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1, context =>
        {
            var xfcc = context.Request.Headers["x-forwarded-client-cert"].ToString();
            seen.Enqueue(xfcc.Length == 0 ? "(none)" : xfcc);
            context.Response.StatusCode = xfcc.Contains("Subject=\"CN=admin\"", StringComparison.Ordinal) ? 200 : 403;
            return Task.CompletedTask;
        });
        var route = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: admin, namespace: default}
            spec:
              parentRefs: [{name: mtls}]
              rules:
                - matches: [{path: {value: /admin}}]
                  filters: [{type: ExternalAuth, externalAuth: {protocol: HTTP, backendRef: {name: authz, port: 80}, http: {allowedHeaders: [x-forwarded-client-cert]}}}]
                  backendRefs: [{name: site, port: 80}]
            ---

            """;
        await using var proxy = await Manifests.StartAsync(Yaml(Fallback) + route + Manifests.Service("authz", authz.Port));
        var port = Port(proxy);
        const string Forged = "Hash=00;Subject=\"CN=admin\"";
        async Task<HttpStatusCode> AdminAsync(HttpClient client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{Host}:{port}/admin");
            request.Headers.TryAddWithoutValidation("x-forwarded-client-cert", Forged);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        using (var anonymous = _server.Client(Address, clientCertificate: null))
            Assert.Equal(HttpStatusCode.Forbidden, await AdminAsync(anonymous));
        Assert.Equal("(none)", seen.Last());
        using (var checkout = _clients.ClientCertificate("checkout"))
        using (var client = _server.Client(Address, checkout))
            Assert.Equal(HttpStatusCode.Forbidden, await AdminAsync(client));
        Assert.StartsWith("Hash=", seen.Last(), StringComparison.Ordinal);
        Assert.DoesNotContain(Forged, seen.Last(), StringComparison.Ordinal);
        Assert.Contains("Subject=\"CN=checkout\"", seen.Last(), StringComparison.Ordinal);
        using (var admin = _clients.ClientCertificate("admin"))
        using (var client = _server.Client(Address, admin))
            Assert.Equal(HttpStatusCode.OK, await AdminAsync(client));
        Assert.Equal(1, _backend.Requests);
    }

    private static GatewayStatus GatewayStatus(GatewayProxy proxy, string name = "mtls") =>
        (GatewayStatus)proxy.Statuses.Single(s => s.Status is GatewayStatus && s.Object.Metadata.Name == name).Status;

    private static (string Accepted, string AcceptedReason, string ResolvedRefs, string Reason, string Message, string Programmed) Listener(GatewayStatus status, string name)
    {
        var c = status.Listeners!.Single(l => l.Name == name).Conditions!;
        V1Condition Of(string type) => c.Single(x => x.Type == type);
        return (Of("Accepted").Status, Of("Accepted").Reason, Of("ResolvedRefs").Status, Of("ResolvedRefs").Reason, Of("ResolvedRefs").Message, Of("Programmed").Status);
    }
}
