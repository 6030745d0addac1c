using k8s.Models;

namespace Switchyard.Store.Tests;

/// <summary>Example objects for store tests, built with the Kubernetes client models.</summary>
internal static class Examples
{
    public static V1ConfigMap ConfigMap(string name, string? ns = "default", string value = "v1", IDictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Data = new Dictionary<string, string> { ["key"] = value },
    };

    public static V1Service Service(string name, string ns = "default", int port = 80, IDictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [new V1ServicePort { Name = "http", Port = port, Protocol = "TCP", TargetPort = port }],
        },
    };

    public static V1Namespace Namespace(string name, string? ns = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
    };

    public static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
}
