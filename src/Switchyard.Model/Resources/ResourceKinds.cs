using System.Collections.Frozen;
using k8s.Models;
using Switchyard.Model.Gateway;
using TrafficFilterType = Switchyard.Model.Gateway.HTTPTrafficFilter;

namespace Switchyard.Model.Resources;

/// <summary>The kinds Switchyard serves, and lookups by the names users type.</summary>
public static class ResourceKinds
{
    public static readonly ResourceKind Namespace = Core<V1Namespace>("Namespace", "namespaces", namespaced: false, "ns");
    public static readonly ResourceKind Pod = Core<V1Pod>("Pod", "pods", namespaced: true, "po");
    public static readonly ResourceKind Service = Core<V1Service>("Service", "services", namespaced: true, "svc");
    public static readonly ResourceKind Secret = Core<V1Secret>("Secret", "secrets", namespaced: true);
    public static readonly ResourceKind ConfigMap = Core<V1ConfigMap>("ConfigMap", "configmaps", namespaced: true, "cm");

    public static readonly ResourceKind EndpointSlice = new()
    {
        Group = "discovery.k8s.io", Version = "v1", Kind = "EndpointSlice", Plural = "endpointslices",
        Namespaced = true, Type = typeof(V1EndpointSlice),
    };

    public static readonly ResourceKind Deployment = new()
    {
        Group = "apps", Version = "v1", Kind = "Deployment", Plural = "deployments", ShortNames = ["deploy"],
        Namespaced = true, Type = typeof(V1Deployment),
    };

    public static readonly ResourceKind NetworkPolicy = Networking<V1NetworkPolicy>("NetworkPolicy", "networkpolicies", namespaced: true, "netpol");
    public static readonly ResourceKind Ingress = Networking<V1Ingress>("Ingress", "ingresses", namespaced: true, "ing");
    public static readonly ResourceKind IngressClass = Networking<V1IngressClass>("IngressClass", "ingressclasses", namespaced: false);

    public static readonly ResourceKind GatewayClass = GatewayApi<GatewayClass>("GatewayClass", "gatewayclasses", namespaced: false, "gc");
    public static readonly ResourceKind Gateway = GatewayApi<Gateway.Gateway>("Gateway", "gateways", namespaced: true, "gtw");
    public static readonly ResourceKind HTTPRoute = GatewayApi<HTTPRoute>("HTTPRoute", "httproutes", namespaced: true);

    /// <summary>
    /// v1 since Gateway API v1.5 (Standard). The experimental XListenerSet (gateway.networking.x-k8s.io/v1alpha1) is
    /// not read: <see cref="Superseded"/> says how to convert it.
    /// </summary>
    public static readonly ResourceKind ListenerSet = new()
    {
        Group = GatewayGroup, Version = "v1", Kind = "ListenerSet", Plural = "listenersets", ShortNames = ["lset"],
        Namespaced = true, Type = typeof(ListenerSet),
    };

    /// <summary>v1 since Gateway API v1.1; v1alpha2 manifests (the version before) are read too.</summary>
    public static readonly ResourceKind GRPCRoute = new()
    {
        Group = GatewayGroup, Version = "v1", AlsoAcceptedVersions = ["v1alpha2"], Kind = "GRPCRoute", Plural = "grpcroutes",
        Namespaced = true, Type = typeof(GRPCRoute),
    };

    /// <summary>v1 since Gateway API v1.5; v1alpha2 and v1alpha3 manifests (the versions before) are read too.</summary>
    public static readonly ResourceKind TLSRoute = new()
    {
        Group = GatewayGroup, Version = "v1", AlsoAcceptedVersions = ["v1alpha2", "v1alpha3"], Kind = "TLSRoute", Plural = "tlsroutes",
        Namespaced = true, Type = typeof(TLSRoute),
    };

    /// <summary>
    /// v1alpha2, the version Envoy Gateway and most users apply; v1 manifests (Gateway API v1.6, the same spec with one
    /// rule at most, which Switchyard holds v1alpha2 to as well) are read too.
    /// </summary>
    public static readonly ResourceKind TCPRoute = new()
    {
        Group = GatewayGroup, Version = "v1alpha2", AlsoAcceptedVersions = ["v1"], Kind = "TCPRoute", Plural = "tcproutes",
        Namespaced = true, Type = typeof(TCPRoute),
    };

    /// <summary>v1alpha2, the only version of the experimental channel; held to TCPRoute's one rule.</summary>
    public static readonly ResourceKind UDPRoute = new()
    {
        Group = GatewayGroup, Version = "v1alpha2", Kind = "UDPRoute", Plural = "udproutes",
        Namespaced = true, Type = typeof(UDPRoute),
    };

    /// <summary>v1 since Gateway API v1.4; v1alpha3 manifests (the version before) are read too.</summary>
    public static readonly ResourceKind BackendTLSPolicy = new()
    {
        Group = GatewayGroup, Version = "v1", AlsoAcceptedVersions = ["v1alpha3"], Kind = "BackendTLSPolicy", Plural = "backendtlspolicies",
        Namespaced = true, Type = typeof(BackendTLSPolicy), ShortNames = ["btlspolicy"],
    };

    public static readonly ResourceKind ReferenceGrant = new()
    {
        Group = GatewayGroup, Version = "v1beta1", AlsoAcceptedVersions = ["v1"], Kind = "ReferenceGrant",
        Plural = "referencegrants", ShortNames = ["refgrant"], Namespaced = true, Type = typeof(ReferenceGrant),
    };

    public static readonly ResourceKind HTTPNetworkPolicy = new() { Group = Policy.HTTPNetworkPolicy.Group, Version = Policy.HTTPNetworkPolicy.Version, Kind = Policy.HTTPNetworkPolicy.KindName, Plural = "httpnetworkpolicies", ShortNames = ["httpnetpol"], Namespaced = true, Type = typeof(Policy.HTTPNetworkPolicy) };

    public static readonly ResourceKind HTTPTrafficFilter = new()
    {
        Group = TrafficFilterType.Group, Version = TrafficFilterType.Version, Kind = TrafficFilterType.KindName,
        Plural = "httptrafficfilters", Namespaced = true, Type = typeof(TrafficFilterType),
    };

    /// <summary>Every kind, in the order objects are applied (namespaces and classes first).</summary>
    public static readonly IReadOnlyList<ResourceKind> All =
    [
        Namespace, GatewayClass, IngressClass, ConfigMap, Secret, Service, Deployment, Pod, EndpointSlice,
        NetworkPolicy, HTTPNetworkPolicy, Ingress, Gateway, ListenerSet, HTTPTrafficFilter, HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute, BackendTLSPolicy, ReferenceGrant,
    ];

    private const string GatewayGroup = "gateway.networking.k8s.io";

    /// <summary>
    /// Kinds Switchyard does not serve because a served kind replaced them, with what to change: a manifest naming
    /// one is refused with this text rather than "unknown kind".
    /// </summary>
    public static readonly FrozenDictionary<string, string> Superseded = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["XListenerSet"] = "XListenerSet (gateway.networking.x-k8s.io/v1alpha1) was the experimental form of ListenerSet, which Switchyard serves as "
            + "gateway.networking.k8s.io/v1 (Gateway API v1.5): set apiVersion: gateway.networking.k8s.io/v1 and kind: ListenerSet (the spec is the same), "
            + "and in routes' parentRefs use group: gateway.networking.k8s.io, kind: ListenerSet",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ResourceKind> ByName = BuildNameIndex();
    private static readonly FrozenDictionary<string, ResourceKind> ByKindName =
        All.ToFrozenDictionary(k => k.Kind, StringComparer.Ordinal);
    private static readonly FrozenDictionary<Type, ResourceKind> ByType = All.ToFrozenDictionary(k => k.Type);

    /// <summary>
    /// Resolves what a user types on the command line: plural, singular, short name or kind,
    /// case-insensitively, optionally qualified with the group ("gateways.gateway.networking.k8s.io").
    /// </summary>
    public static ResourceKind? Resolve(string name) =>
        ByName.TryGetValue(name.ToLowerInvariant(), out var kind) ? kind : null;

    /// <summary>Finds the kind a manifest's apiVersion and kind fields name.</summary>
    public static ResourceKind? Find(string apiVersion, string kind) =>
        ByKindName.TryGetValue(kind, out var k) && k.AcceptsApiVersion(apiVersion) ? k : null;

    /// <summary>Finds a kind by its name alone (any accepted version).</summary>
    public static ResourceKind? FindByKind(string kind) => ByKindName.GetValueOrDefault(kind);

    public static ResourceKind ForType(Type type) =>
        ByType.TryGetValue(type, out var kind) ? kind : throw new ArgumentException($"{type.Name} is not a Switchyard resource type", nameof(type));

    public static ResourceKind Of(k8s.IKubernetesObject<V1ObjectMeta> obj) => ForType(obj.GetType());

    /// <summary>Human-friendly list of names for error messages ("pods (po), services (svc), ...").</summary>
    public static string Describe() =>
        string.Join(", ", All.Select(k => k.ShortNames.Count == 0 ? k.Plural : $"{k.Plural} ({string.Join(", ", k.ShortNames)})"));

    private static ResourceKind Core<T>(string kind, string plural, bool namespaced, params string[] shortNames) => new()
    {
        Group = "", Version = "v1", Kind = kind, Plural = plural, ShortNames = shortNames, Namespaced = namespaced, Type = typeof(T),
    };

    private static ResourceKind Networking<T>(string kind, string plural, bool namespaced, params string[] shortNames) => new()
    {
        Group = "networking.k8s.io", Version = "v1", Kind = kind, Plural = plural, ShortNames = shortNames, Namespaced = namespaced, Type = typeof(T),
    };

    private static ResourceKind GatewayApi<T>(string kind, string plural, bool namespaced, params string[] shortNames) => new()
    {
        Group = GatewayGroup, Version = "v1", AlsoAcceptedVersions = ["v1beta1"], Kind = kind, Plural = plural,
        ShortNames = shortNames, Namespaced = namespaced, Type = typeof(T),
    };

    private static FrozenDictionary<string, ResourceKind> BuildNameIndex()
    {
        var names = new Dictionary<string, ResourceKind>(StringComparer.Ordinal);
        foreach (var k in All)
        {
            foreach (var n in k.ShortNames.Append(k.Plural).Append(k.Singular))
            {
                names[n] = k;
                if (k.Group.Length > 0) names[$"{n}.{k.Group}"] = k;
            }
        }
        return names.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
