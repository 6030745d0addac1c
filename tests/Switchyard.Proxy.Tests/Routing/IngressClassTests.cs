using System.Net;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Routing;

/// <summary>
/// Which Ingresses the gateway serves: an IngressClass's controller decides for its class, "switchyard" included when
/// such a class exists, and an Ingress without a class belongs to the controller of the class marked default.
/// </summary>
public sealed class IngressClassTests
{
    private static string Class(string name, string controller, bool isDefault = false) => $$$"""
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: {{{name}}}, annotations: {ingressclass.kubernetes.io/is-default-class: "{{{(isDefault ? "true" : "false")}}}"}}
        spec: {controller: {{{controller}}}}
        ---

        """;

    private const string Paths = "{paths: [{path: /, pathType: Prefix, backend: {service: {name: site, port: {number: 80}}}}]}";

    private static string Ingress(string name, string? className) => $$$"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: {{{name}}}, namespace: default}
        spec:
          {{{(className is null ? "" : $"ingressClassName: {className}")}}}
          rules: [{host: {{{name}}}.test, http: {{{Paths}}}}]
        ---

        """;

    [Theory]
    [InlineData("", "switchyard", true)] // the name alone, no IngressClass object
    [InlineData("switchyard|k8s.io/ingress-nginx", "switchyard", false)] // the class of that name is another controller's
    [InlineData("public|switchyard.dev/ingress-controller", "public", true)]
    [InlineData("public|k8s.io/ingress-nginx", "public", false)]
    [InlineData("", null, true)] // no class, no default class
    [InlineData("nginx|k8s.io/ingress-nginx|default", null, false)] // no class: the default class's controller's
    [InlineData("mine|switchyard.dev/ingress-controller|default", null, true)]
    public async Task Served_OnlyWhenTheClassIsOurs(string ingressClass, string? className, bool served)
    {
        await using var backend = await EchoBackend.StartAsync("site");
        var parts = ingressClass.Split('|');
        var yaml = (parts.Length >= 2 ? Class(parts[0], parts[1], parts.Length == 3) : "") + Ingress("web", className) + Manifests.Service("site", backend.Port);
        await using var proxy = await Manifests.StartAsync(yaml, new ProxyOptions { IngressHttp = new IPEndPoint(IPAddress.Loopback, 0) });
        using var client = Manifests.Client();

        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "web.test", "GET", "/"));

        Assert.Equal(served ? HttpStatusCode.OK : HttpStatusCode.NotFound, response.StatusCode);
    }
}
