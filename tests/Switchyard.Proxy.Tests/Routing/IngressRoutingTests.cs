using System.Net;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Routing;

/// <summary>
/// The Ingress path-matching table from the Kubernetes documentation (one host per row group), host wildcards of
/// exactly one label, and defaultBackend, over real sockets through the ingress listener.
/// </summary>
public sealed class IngressRoutingTests : IAsyncLifetime
{
    private readonly Dictionary<string, EchoBackend> _backends = [];
    private GatewayProxy _proxy = null!;
    private int _port;

    private static string Ingress(string name, string host, params (string Type, string Path, string Service)[] paths)
    {
        var list = string.Join("\n", paths.Select(p => $"          - {{path: \"{p.Path}\", pathType: {p.Type}, backend: {{service: {{name: {p.Service}, port: {{number: 80}}}}}}}}"));
        return $"""
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {"{"}name: {name}, namespace: default{"}"}
            spec:
              rules:
                - host: "{host}"
                  http:
                    paths:
            {list}
            ---

            """;
    }

    public async Task InitializeAsync()
    {
        foreach (var n in new[] { "root", "foo", "bb", "bbb", "aaa", "exact", "def", "wild" }) _backends[n] = await EchoBackend.StartAsync(n);
        var yaml = Ingress("t1", "t1.test", ("Prefix", "/", "root"))
            + Ingress("t2", "t2.test", ("Exact", "/foo", "foo"))
            + Ingress("t3", "t3.test", ("Prefix", "/foo", "foo"))
            + Ingress("t4", "t4.test", ("Prefix", "/foo/", "foo"))
            + Ingress("t5", "t5.test", ("Prefix", "/aaa/bb", "bb"), ("Prefix", "/aaa/bbb", "bbb"))
            + Ingress("t6", "t6.test", ("Prefix", "/aaa/bbb/", "bbb"))
            + Ingress("t7", "t7.test", ("Prefix", "/", "root"), ("Prefix", "/aaa", "aaa"))
            + Ingress("t8", "t8.test", ("Prefix", "/", "root"), ("Prefix", "/aaa", "aaa"), ("Prefix", "/aaa/bbb", "bbb"))
            + Ingress("t9", "t9.test", ("Prefix", "/aaa", "aaa"))
            + Ingress("t10", "t10.test", ("Prefix", "/foo", "foo"), ("Exact", "/foo", "exact"))
            + Ingress("w", "*.w.test", ("Prefix", "/", "wild"))
            + Ingress("i", "i.test", ("ImplementationSpecific", "/foo", "foo"))
            + """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: default, namespace: default}
            spec: {defaultBackend: {service: {name: def, port: {number: 80}}}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: other-class, namespace: default}
            spec:
              ingressClassName: nginx
              rules: [{host: other.test, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: root, port: {number: 80}}}}]}}]
            ---

            """;
        foreach (var (name, backend) in _backends) yaml += Manifests.Service(name, backend.Port);
        _proxy = await Manifests.StartAsync(yaml, new ProxyOptions { IngressHttp = new IPEndPoint(IPAddress.Loopback, 0) });
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        foreach (var b in _backends.Values) await b.DisposeAsync();
    }

    /// <summary>{host, path, expected backend}; "def" is the defaultBackend (no rule matched).</summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        { "t1.test", "/anything/at/all", "root" },
        { "t2.test", "/foo", "foo" },
        { "t2.test", "/bar", "def" },
        { "t2.test", "/foo/", "def" },
        { "t3.test", "/foo", "foo" },
        { "t3.test", "/foo/", "foo" },
        { "t4.test", "/foo", "foo" },
        { "t4.test", "/foo/", "foo" },
        { "t5.test", "/aaa/bbb", "bbb" },
        { "t5.test", "/aaa/bbbxyz", "def" },
        { "t6.test", "/aaa/bbb", "bbb" },
        { "t3.test", "/foo/bar/baz", "foo" },
        { "t7.test", "/aaa/ccc", "aaa" },
        { "t8.test", "/aaa/bbb", "bbb" },
        { "t8.test", "/ccc", "root" },
        { "t9.test", "/ccc", "def" },
        { "t10.test", "/foo", "exact" },
        { "t10.test", "/foo/x", "foo" },
        { "x.w.test", "/", "wild" },
        { "y.x.w.test", "/", "def" },
        { "w.test", "/", "def" },
        { "i.test", "/foo/bar", "foo" },
        { "other.test", "/", "def" },
        { "unknown.test", "/", "def" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Ingress_Request_ReachesExpectedBackend(string host, string path, string backend)
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(_port, host, "GET", path));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(backend, response.Headers.GetValues("x-backend").Single());
    }

    [SkippableFact]
    public async Task Curl_ThroughIngress_ReachesBackend()
    {
        Skip.IfNot(File.Exists("/usr/bin/curl"), "curl is not installed");
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/curl", $"-s -i -H \"Host: t8.test\" http://127.0.0.1:{_port}/aaa/bbb/x")
        {
            RedirectStandardOutput = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.StartsWith("HTTP/1.1 200", output, StringComparison.Ordinal);
        Assert.Contains("x-backend: bbb", output, StringComparison.Ordinal);
    }
}
