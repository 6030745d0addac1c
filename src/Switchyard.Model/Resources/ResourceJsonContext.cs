using System.Text.Json.Serialization;
using k8s.Models;
using Switchyard.Model.Gateway;

namespace Switchyard.Model.Resources;

/// <summary>
/// Compile-time System.Text.Json metadata for every resource kind and for the parts of them that are serialized on
/// their own. It is the only type-info resolver of <see cref="ResourceJson.Options"/>, so the JIT-compiled tests and
/// the ahead-of-time compiled binary (docs/decisions/0007) read and write resources through the same metadata; a
/// type missing here fails in both, not only in the native binary.
/// </summary>
[JsonSerializable(typeof(V1Namespace))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1EndpointSlice))]
[JsonSerializable(typeof(V1Deployment))]
[JsonSerializable(typeof(V1NetworkPolicy))]
[JsonSerializable(typeof(V1Ingress))]
[JsonSerializable(typeof(V1IngressClass))]
[JsonSerializable(typeof(GatewayClass))]
[JsonSerializable(typeof(Gateway.Gateway))]
[JsonSerializable(typeof(ListenerSet))]
[JsonSerializable(typeof(HTTPRoute))]
[JsonSerializable(typeof(GRPCRoute))]
[JsonSerializable(typeof(TLSRoute))]
[JsonSerializable(typeof(TCPRoute))]
[JsonSerializable(typeof(UDPRoute))]
[JsonSerializable(typeof(BackendTLSPolicy))]
[JsonSerializable(typeof(ReferenceGrant))]
[JsonSerializable(typeof(Policy.HTTPNetworkPolicy))]
[JsonSerializable(typeof(HTTPTrafficFilter))]
[JsonSerializable(typeof(V1PodTemplateSpec))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ResourceJsonContext : JsonSerializerContext;
