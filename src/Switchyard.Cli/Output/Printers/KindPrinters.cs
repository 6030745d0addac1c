using System.Collections.Frozen;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Output.Printers;

/// <summary>The table printer of each kind, by kind key; kinds without one get NAME AGE.</summary>
internal static class KindPrinters
{
    private static readonly KindPrinter Generic = new GenericPrinter();

    private static readonly FrozenDictionary<string, KindPrinter> ByKind = new Dictionary<string, KindPrinter>
    {
        [ResourceKinds.Pod.Key] = new PodPrinter(),
        [ResourceKinds.Service.Key] = new ServicePrinter(),
        [ResourceKinds.EndpointSlice.Key] = new EndpointSlicePrinter(),
        [ResourceKinds.Deployment.Key] = new DeploymentPrinter(),
        [ResourceKinds.Namespace.Key] = new NamespacePrinter(),
        [ResourceKinds.ConfigMap.Key] = new ConfigMapPrinter(),
        [ResourceKinds.Secret.Key] = new SecretPrinter(),
        [ResourceKinds.NetworkPolicy.Key] = new NetworkPolicyPrinter(),
        [ResourceKinds.Ingress.Key] = new IngressPrinter(),
        [ResourceKinds.IngressClass.Key] = new IngressClassPrinter(),
        [ResourceKinds.GatewayClass.Key] = new GatewayClassPrinter(),
        [ResourceKinds.Gateway.Key] = new GatewayPrinter(),
        [ResourceKinds.ListenerSet.Key] = new ListenerSetPrinter(),
        [ResourceKinds.HTTPRoute.Key] = new HTTPRoutePrinter(),
        [ResourceKinds.GRPCRoute.Key] = new HTTPRoutePrinter(),
        [ResourceKinds.TLSRoute.Key] = new HTTPRoutePrinter(),
        [ResourceKinds.TCPRoute.Key] = new TCPRoutePrinter(),
        [ResourceKinds.UDPRoute.Key] = new TCPRoutePrinter(),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static KindPrinter For(ResourceKind kind) => ByKind.GetValueOrDefault(kind.Key, Generic);
}
