using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using Switchyard.Model.Manifests;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>Manifest snippets and a started proxy for functional tests (real sockets on 127.0.0.1).</summary>
internal static class Manifests
{
    public const string GatewayClass = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: switchyard}
        spec: {controllerName: switchyard.dev/gateway-controller}
        ---

        """;

    /// <summary>Ingress <paramref name="service"/> sending every request (path prefix /) to Service <paramref name="service"/> port 80.</summary>
    public static string IngressAllTo(string service) => """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: SERVICE, namespace: default}
        spec:
          rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: SERVICE, port: {number: 80}}}}]}}]
        ---

        """.Replace("SERVICE", service, StringComparison.Ordinal);

    /// <summary>A Service NAME (port 80 named http) with one EndpointSlice pointing at 127.0.0.1:PORT for each port.</summary>
    public static string Service(string name, params int[] ports) => Service(name, "default", "", ports);

    public static string Service(string name, string ns, string annotations, params int[] ports)
    {
        var b = new StringBuilder();
        b.Append($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {name}
              namespace: {ns}
              annotations: {(annotations.Length == 0 ? "{}" : annotations)}
            spec:
              ports: [{"{"}name: http, port: 80{"}"}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: {name}-1
              namespace: {ns}
              labels: {"{"}kubernetes.io/service-name: {name}{"}"}
            addressType: IPv4
            ports: [{"{"}name: http, port: {(ports.Length > 0 ? ports[0] : 1)}{"}"}]
            endpoints:

            """);
        foreach (var p in ports.Take(1)) b.Append("  - addresses: [\"127.0.0.1\"]\n");
        b.Append("---\n");
        // additional ports get their own slice so each endpoint can have a different port
        for (var i = 1; i < ports.Length; i++)
        {
            b.Append($"""
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: {name}-{i + 1}
                  namespace: {ns}
                  labels: {"{"}kubernetes.io/service-name: {name}{"}"}
                addressType: IPv4
                ports: [{"{"}name: http, port: {ports[i]}{"}"}]
                endpoints:
                  - addresses: ["127.0.0.1"]
                ---

                """);
        }
        return b.ToString();
    }

    /// <summary>The objects <paramref name="yaml"/> holds, read without validation (as objects that skipped admission would be); it must read.</summary>
    public static List<IKubernetesObject<V1ObjectMeta>> Read(string yaml)
    {
        var result = new ManifestReader(new ManifestReaderOptions { Validate = false }).ReadText("test.yaml", yaml);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return [.. result.Resources];
    }

    public static async Task<GatewayProxy> StartAsync(string yaml, ProxyOptions? options = null)
    {
        var proxy = GatewayProxy.FromObjects(options ?? new ProxyOptions(), Read(yaml));
        await proxy.StartAsync(CancellationToken.None);
        return proxy;
    }

    public static int Port(GatewayProxy proxy, int configuredPort = 0) =>
        proxy.Listeners.First(l => l.Key.Port == configuredPort).Value.Port;

    public static HttpClient Client() => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(20) };

    public static HttpRequestMessage Request(int port, string host, string method, string pathAndQuery, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), $"http://127.0.0.1:{port}{pathAndQuery}");
        request.Headers.Host = host;
        foreach (var (n, v) in headers) request.Headers.TryAddWithoutValidation(n, v);
        return request;
    }

    /// <summary>Sends <see cref="Request"/> with <paramref name="body"/> on a new <see cref="Client"/>, and reads the whole answer.</summary>
    public static async Task<HttpResponseMessage> SendAsync(int port, string host, string method, string pathAndQuery, HttpContent? body = null, params (string Name, string Value)[] headers)
    {
        using var client = Client();
        using var request = Request(port, host, method, pathAndQuery, headers);
        request.Content = body;
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>A response header's values (among the response's or its content's headers) joined with ", ", or null when absent.</summary>
    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}
