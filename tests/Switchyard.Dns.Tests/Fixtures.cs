using k8s;
using k8s.Models;

namespace Switchyard.Dns.Tests;

/// <summary>The cluster the DNS tests serve: ClusterIP (dual-stack), headless, ExternalName services, slices and pods.</summary>
internal static class Fixtures
{
    public static V1Service Service(string ns, string name, string? clusterIp, params (string? Name, int Port, string Protocol)[] ports) => new()
    {
        ApiVersion = "v1", Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            ClusterIP = clusterIp,
            ClusterIPs = clusterIp is null ? null : clusterIp.Split(','),
            Ports = ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, Protocol = p.Protocol }).ToList(),
        },
    };

    public static V1EndpointSlice Slice(string ns, string name, string service, string addressType, (string? Name, int Port)[] ports, params (string Ip, string? Hostname, bool Ready)[] endpoints) => new()
    {
        ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = addressType,
        Ports = ports.Select(p => new Discoveryv1EndpointPort { Name = p.Name, Port = p.Port, Protocol = "TCP" }).ToList(),
        Endpoints = endpoints.Select(e => new V1Endpoint
        {
            Addresses = [e.Ip], Hostname = e.Hostname, Conditions = new V1EndpointConditions { Ready = e.Ready },
        }).ToList(),
    };

    public static V1Pod Pod(string ns, string name, params string[] ips) => new()
    {
        ApiVersion = "v1", Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Status = new V1PodStatus { PodIP = ips[0], PodIPs = ips.Select(i => new V1PodIP { Ip = i }).ToList() },
    };

    public static List<IKubernetesObject<V1ObjectMeta>> Cluster()
    {
        var externalName = Service("default", "ext", null);
        externalName.Spec.Type = "ExternalName";
        externalName.Spec.ExternalName = "www.example.test";
        var inZoneAlias = Service("default", "alias", null);
        inZoneAlias.Spec.Type = "ExternalName";
        inZoneAlias.Spec.ExternalName = "web.default.svc.cluster.local.";
        var publishAll = Service("default", "db-all", "None", ("pg", 5432, "TCP"));
        publishAll.Spec.PublishNotReadyAddresses = true;
        return
        [
            Service("default", "web", "10.96.0.10,fd00::10", ("http", 80, "TCP"), ("dns", 53, "UDP"), (null, 8080, "TCP")),
            Service("default", "db", "None", ("pg", 5432, "TCP")),
            Slice("default", "db-abc", "db", "IPv4", [("pg", 5432)], ("10.1.0.1", "db-0", true), ("10.1.0.2", null, true), ("10.1.0.3", "db-2", false)),
            Slice("default", "db-v6", "db", "IPv6", [("pg", 5432)], ("fd00::1:1", "db-0", true)),
            publishAll,
            Slice("default", "db-all-1", "db-all", "IPv4", [("pg", 5432)], ("10.1.0.9", null, false)),
            Service("default", "lonely", "None", ("pg", 5432, "TCP")),
            Service("shop", "cart", "10.96.0.20", ("http", 80, "TCP")),
            externalName,
            inZoneAlias,
            Pod("shop", "client", "127.0.0.1"),
            Pod("default", "worker", "10.244.0.5"),
        ];
    }
}
