namespace Switchyard.Model.Validation;

/// <summary>The rules of every kind Switchyard serves, one entry per kind.</summary>
public static class KindRules
{
    public static readonly IReadOnlyList<IKindRules> All =
    [
        new Core.NamespaceRules(),
        new Core.PodRules(),
        new Core.ServiceRules(),
        new Core.EndpointSliceRules(),
        new Core.SecretRules(),
        new Core.ConfigMapRules(),
        new Core.DeploymentRules(),
        new Networking.NetworkPolicyRules(),
        new Policy.HTTPNetworkPolicyRules(),
        new Networking.IngressRules(),
        new Networking.IngressClassRules(),
        new Gateway.GatewayClassRules(),
        new Gateway.GatewayRules(),
        new Gateway.ListenerSetRules(),
        new Gateway.HTTPRouteRules(),
        new Gateway.GRPCRouteRules(),
        new Gateway.TLSRouteRules(),
        new Gateway.TCPRouteRules(),
        new Gateway.UDPRouteRules(),
        new Gateway.BackendTLSPolicyRules(),
        new Gateway.ReferenceGrantRules(),
        new Gateway.HTTPTrafficFilterRules(),
    ];
}
