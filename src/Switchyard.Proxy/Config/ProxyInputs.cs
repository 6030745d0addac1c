using k8s;
using k8s.Models;
using Switchyard.Model.Gateway;

namespace Switchyard.Proxy.Config;

/// <summary>The objects the proxy compiles from, by kind. Other kinds are ignored.</summary>
internal sealed class ProxyInputs
{
    public List<GatewayClass> GatewayClasses { get; } = [];
    public List<Gateway> Gateways { get; } = [];
    public List<ListenerSet> ListenerSets { get; } = [];
    public List<HTTPRoute> HttpRoutes { get; } = [];
    public List<GRPCRoute> GrpcRoutes { get; } = [];
    public List<TLSRoute> TlsRoutes { get; } = [];
    public List<TCPRoute> TcpRoutes { get; } = [];
    public List<UDPRoute> UdpRoutes { get; } = [];
    public List<ReferenceGrant> ReferenceGrants { get; } = [];
    public List<V1Ingress> Ingresses { get; } = [];
    public List<V1IngressClass> IngressClasses { get; } = [];
    public List<V1Service> Services { get; } = [];
    public List<V1EndpointSlice> EndpointSlices { get; } = [];
    public List<V1Secret> Secrets { get; } = [];
    public List<V1Namespace> Namespaces { get; } = [];
    public List<HTTPTrafficFilter> TrafficFilters { get; } = [];
    public List<BackendTLSPolicy> BackendTlsPolicies { get; } = [];
    public List<V1ConfigMap> ConfigMaps { get; } = [];

    public static ProxyInputs From(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var inputs = new ProxyInputs();
        foreach (var o in objects) inputs.Add(o);
        return inputs;
    }

    public void Add(IKubernetesObject<V1ObjectMeta> obj)
    {
        switch (obj)
        {
            case GatewayClass x: GatewayClasses.Add(x); break;
            case Gateway x: Gateways.Add(x); break;
            case ListenerSet x: ListenerSets.Add(x); break;
            case HTTPRoute x: HttpRoutes.Add(x); break;
            case GRPCRoute x: GrpcRoutes.Add(x); break;
            case TLSRoute x: TlsRoutes.Add(x); break;
            case TCPRoute x: TcpRoutes.Add(x); break;
            case UDPRoute x: UdpRoutes.Add(x); break;
            case ReferenceGrant x: ReferenceGrants.Add(x); break;
            case V1Ingress x: Ingresses.Add(x); break;
            case V1IngressClass x: IngressClasses.Add(x); break;
            case V1Service x: Services.Add(x); break;
            case V1EndpointSlice x: EndpointSlices.Add(x); break;
            case V1Secret x: Secrets.Add(x); break;
            case V1Namespace x: Namespaces.Add(x); break;
            case HTTPTrafficFilter x: TrafficFilters.Add(x); break;
            case BackendTLSPolicy x: BackendTlsPolicies.Add(x); break;
            case V1ConfigMap x: ConfigMaps.Add(x); break;
        }
    }
}
