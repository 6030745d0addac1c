using System.Net;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// Gateway API YAML for functional tests. <see cref="Route"/> and <see cref="AllTo"/>: the smallest setup for protocol
/// tests (GatewayClass, Gateway "web" with one HTTP listener on port 0, one HTTPRoute). The others build one object
/// each, for tests that bind Gateways to chosen loopback addresses or reach endpoints on them.
/// </summary>
internal static class GatewayYaml
{
    /// <summary>The listener of <see cref="Gateway"/> unless a test names another: HTTP on port 0.</summary>
    public const string HttpListener = "{name: l, port: 0, protocol: HTTP}";

    /// <summary>
    /// The setup with HTTPRoute (or <paramref name="kind"/>, e.g. GRPCRoute) <paramref name="route"/> whose <c>rules:</c>
    /// block is <paramref name="rules"/> (each line indented four spaces).
    /// </summary>
    public static string Route(string rules, string route = "r", string kind = "HTTPRoute") => Manifests.GatewayClass + $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {"{"}name: web, namespace: default{"}"}
        spec: {"{"}gatewayClassName: switchyard, listeners: [{"{"}name: http, port: 0, protocol: HTTP{"}"}]{"}"}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: {kind}
        metadata: {"{"}name: {route}, namespace: default{"}"}
        spec:
          parentRefs: [{"{"}name: web{"}"}]
          rules:
        {rules}
        ---

        """;

    /// <summary>The setup with every request routed to Service <paramref name="service"/> port 80.</summary>
    public static string AllTo(string service) => Route($"    - backendRefs: [{{name: {service}, port: 80}}]");

    /// <summary>An ExtensionRef filter (a YAML flow map) naming HTTPTrafficFilter <paramref name="name"/>.</summary>
    public static string TrafficFilterRef(string name) =>
        "{type: ExtensionRef, extensionRef: {group: gateway.switchyard.dev, kind: HTTPTrafficFilter, name: " + name + "}}";

    /// <summary>
    /// HTTPTrafficFilter <paramref name="name"/> in namespace default; <paramref name="spec"/> is its spec, a YAML flow
    /// map (<c>{fault: …}</c>) or a block of lines indented two spaces.
    /// </summary>
    public static string TrafficFilter(string name, string spec) => $$"""
        apiVersion: gateway.switchyard.dev/v1alpha1
        kind: HTTPTrafficFilter
        metadata: {name: {{name}}, namespace: default}
        spec:{{(spec.StartsWith('{') ? " " : "\n")}}{{spec}}
        ---

        """;

    /// <summary>
    /// Gateway <paramref name="name"/> in namespace default on <paramref name="address"/> with the one listener
    /// <paramref name="listener"/> (a YAML flow map) and <paramref name="annotations"/> (a YAML flow map);
    /// <paramref name="allowListenerSets"/> lets ListenerSets of its own namespace attach.
    /// </summary>
    public static string Gateway(string name, IPAddress address, string annotations = "{}", string listener = HttpListener, bool allowListenerSets = false) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{name}}, namespace: default, annotations: {{annotations}}}
        spec:
          gatewayClassName: switchyard
          addresses: [{type: IPAddress, value: "{{address}}"}]
        {{(allowListenerSets ? "  allowedListeners: {namespaces: {from: Same}}\n" : "")}}  listeners: [{{listener}}]
        ---

        """;

    /// <summary>
    /// Gateway "first" or "second" (created on 2026-01-01 and 2026-01-02, so first is the older) on
    /// <paramref name="address"/>:<paramref name="port"/>, its one HTTP listener for NAME.example: two of them share the port.
    /// </summary>
    public static string SharingPort(string name, IPAddress address, int port, string annotations) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{name}}, namespace: default, creationTimestamp: "2026-01-0{{(name == "first" ? 1 : 2)}}T00:00:00Z", annotations: {{annotations}}}
        spec:
          gatewayClassName: switchyard
          addresses: [{type: IPAddress, value: "{{address}}"}]
          listeners: [{name: l, port: {{port}}, protocol: HTTP, hostname: {{name}}.example}]
        ---

        """;

    /// <summary>HTTPRoute <paramref name="name"/> in namespace default, attached to the Gateways <paramref name="gateways"/>, every request to Service <paramref name="service"/> port 80.</summary>
    public static string HttpRoute(string name, string service, params string[] gateways) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{name}}, namespace: default}
        spec:
          parentRefs: [{{string.Join(", ", gateways.Select(g => "{name: " + g + "}"))}}]
          rules: [{backendRefs: [{name: {{service}}, port: 80}]}]
        ---

        """;

    /// <summary>
    /// Service <paramref name="name"/> in namespace default (port 80 named http, then <paramref name="appProtocol"/>,
    /// e.g. <c>", appProtocol: kubernetes.io/h2c"</c>) with <paramref name="annotations"/> (a YAML flow map), its one
    /// endpoint <paramref name="address"/>:<paramref name="port"/>.
    /// </summary>
    public static string Service(string name, IPAddress address, int port, string annotations, string appProtocol = "") => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: default, annotations: {{annotations}}}
        spec:
          ports: [{name: http, port: 80{{appProtocol}}}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: {{name}}-1, namespace: default, labels: {kubernetes.io/service-name: {{name}} } }
        addressType: IPv4
        ports: [{name: http, port: {{port}}}]
        endpoints: [{addresses: ["{{address}}"]}]
        ---

        """;

    /// <summary><see cref="Manifests.Service(string, int[])"/> with <c>sessionAffinity: ClientIP</c>: each client address sticks to one endpoint.</summary>
    public static string ClientIpAffinity(string name, params int[] ports) => Manifests.Service(name, ports)
        .Replace("  ports: [{name: http, port: 80}]", "  sessionAffinity: ClientIP\n  ports: [{name: http, port: 80}]", StringComparison.Ordinal);
}
