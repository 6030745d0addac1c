namespace Switchyard.Proxy.Tests.Support;

/// <summary>The smallest Gateway API setup for protocol tests: GatewayClass, Gateway "web" with one HTTP listener on port 0, one HTTPRoute.</summary>
internal static class GatewayYaml
{
    /// <summary>The setup with HTTPRoute <paramref name="route"/> whose <c>rules:</c> block is <paramref name="rules"/> (each line indented four spaces).</summary>
    public static string Route(string rules, string route = "r") => Manifests.GatewayClass + $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {"{"}name: web, namespace: default{"}"}
        spec: {"{"}gatewayClassName: switchyard, listeners: [{"{"}name: http, port: 0, protocol: HTTP{"}"}]{"}"}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {"{"}name: {route}, namespace: default{"}"}
        spec:
          parentRefs: [{"{"}name: web{"}"}]
          rules:
        {rules}
        ---

        """;

    /// <summary>The setup with every request routed to Service <paramref name="service"/> port 80.</summary>
    public static string AllTo(string service) => Route($"    - backendRefs: [{{name: {service}, port: 80}}]");
}
