using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io Gateway: a set of listeners (port, protocol, hostname, TLS) bound to addresses,
/// served by the controller of its GatewayClass. Routes attach to it through their parentRefs.
/// </summary>
public sealed class Gateway : IKubernetesObject<V1ObjectMeta>, ISpec<GatewaySpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public GatewaySpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public GatewayStatus? Status { get; set; }
}

public sealed class GatewaySpec
{
    [JsonPropertyName("gatewayClassName")] public string GatewayClassName { get; set; } = "";

    /// <summary>1 to 64 listeners, names unique.</summary>
    [JsonPropertyName("listeners")] public IList<Listener>? Listeners { get; set; }

    /// <summary>Requested addresses, at most 16.</summary>
    [JsonPropertyName("addresses")] public IList<GatewaySpecAddress>? Addresses { get; set; }

    [JsonPropertyName("infrastructure")] public GatewayInfrastructure? Infrastructure { get; set; }

    /// <summary>
    /// Which ListenerSets may add listeners to this Gateway (Standard since Gateway API v1.5). Absent, or
    /// namespaces.from None (the default): none may.
    /// </summary>
    [JsonPropertyName("allowedListeners")] public AllowedListeners? AllowedListeners { get; set; }

    /// <summary>
    /// Gateway-wide TLS (Standard since Gateway API v1.5): client certificate validation for HTTPS listeners
    /// (frontend) and the client certificate presented to backends reached over TLS (backend).
    /// </summary>
    [JsonPropertyName("tls")] public GatewayTLS? Tls { get; set; }

    /// <summary>
    /// The v1.3 experimental field, removed from the API in v1.5 (now <c>tls.backend</c>). Decoded only so that
    /// validation can refuse it and say where it moved.
    /// </summary>
    [JsonPropertyName("backendTLS")] public GatewayBackendTLS? BackendTLS { get; set; }
}

/// <summary>One logical endpoint of a Gateway: where and how it accepts connections.</summary>
public sealed class Listener
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>Virtual host to match (SNI and/or Host); may be a wildcard "*.example.com". Not for TCP/UDP.</summary>
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }

    [JsonPropertyName("port")] public int Port { get; set; }

    /// <summary>HTTP, HTTPS, TLS, TCP, UDP, or a domain-prefixed implementation-specific protocol.</summary>
    [JsonPropertyName("protocol")] public string Protocol { get; set; } = "";

    [JsonPropertyName("tls")] public GatewayTLSConfig? Tls { get; set; }

    /// <summary>Defaults to namespaces.from = Same.</summary>
    [JsonPropertyName("allowedRoutes")] public AllowedRoutes? AllowedRoutes { get; set; }
}

/// <summary>The TLS settings of a listener.</summary>
public sealed class GatewayTLSConfig
{
    /// <summary>Terminate (default) or Passthrough.</summary>
    [JsonPropertyName("mode")] public string? Mode { get; set; }

    /// <summary>At most 64; at least one (or options) when the mode is Terminate.</summary>
    [JsonPropertyName("certificateRefs")] public IList<SecretObjectReference>? CertificateRefs { get; set; }

    /// <summary>Implementation-specific settings, domain-prefixed keys, at most 16.</summary>
    [JsonPropertyName("options")] public IDictionary<string, string>? Options { get; set; }

    /// <summary>
    /// The v1.3 experimental per-listener validation, removed from the API in v1.5 (now the Gateway's
    /// <c>tls.frontend</c>, per port). Decoded only so that validation can refuse it and say where it moved.
    /// </summary>
    [JsonPropertyName("frontendValidation")] public FrontendTLSValidation? FrontendValidation { get; set; }
}

/// <summary>The TLS settings of a whole Gateway.</summary>
public sealed class GatewayTLS
{
    /// <summary>The Gateway as a TLS client of backends (the backends themselves are chosen by BackendTLSPolicy).</summary>
    [JsonPropertyName("backend")] public GatewayBackendTLS? Backend { get; set; }

    /// <summary>The Gateway as a TLS server: client certificate validation on HTTPS listeners.</summary>
    [JsonPropertyName("frontend")] public FrontendTLSConfig? Frontend { get; set; }
}

/// <summary>Client certificate validation: a default for every HTTPS listener, and overrides by port.</summary>
public sealed class FrontendTLSConfig
{
    /// <summary>Required: applies to every HTTPS listener whose port has no <see cref="PerPort"/> entry.</summary>
    [JsonPropertyName("default")] public TLSConfig? Default { get; set; }

    /// <summary>At most 64, ports unique; an entry replaces the default for the HTTPS listeners on its port.</summary>
    [JsonPropertyName("perPort")] public IList<TLSPortConfig>? PerPort { get; set; }
}

/// <summary>TLS settings shared by listeners; today only client certificate validation.</summary>
public sealed class TLSConfig
{
    /// <summary>When set, HTTPS listeners ask clients for a certificate and verify it (mutual TLS).</summary>
    [JsonPropertyName("validation")] public FrontendTLSValidation? Validation { get; set; }
}

public sealed class TLSPortConfig
{
    /// <summary>1 to 65535: the HTTPS listeners on this port use <see cref="Tls"/> instead of the default.</summary>
    [JsonPropertyName("port")] public int Port { get; set; }

    /// <summary>Required.</summary>
    [JsonPropertyName("tls")] public TLSConfig? Tls { get; set; }
}

public sealed class FrontendTLSValidation
{
    /// <summary>
    /// 1 to 8 references to PEM CA bundles that client certificates must chain to: ConfigMaps (Core) or Secrets
    /// (Switchyard), key <c>ca.crt</c>; another namespace needs a ReferenceGrant.
    /// </summary>
    [JsonPropertyName("caCertificateRefs")] public IList<ObjectReference>? CaCertificateRefs { get; set; }

    /// <summary>AllowValidOnly (default): no valid certificate, no connection. AllowInsecureFallback: connect anyway.</summary>
    [JsonPropertyName("mode")] public string? Mode { get; set; }
}

public sealed class AllowedRoutes
{
    [JsonPropertyName("namespaces")] public RouteNamespaces? Namespaces { get; set; }

    /// <summary>Route kinds allowed, at most 8; empty means those the protocol implies.</summary>
    [JsonPropertyName("kinds")] public IList<RouteGroupKind>? Kinds { get; set; }
}

public sealed class RouteNamespaces
{
    /// <summary>All, Selector or Same (default).</summary>
    [JsonPropertyName("from")] public string? From { get; set; }

    /// <summary>Namespace label selector, required when from is Selector.</summary>
    [JsonPropertyName("selector")] public V1LabelSelector? Selector { get; set; }
}

/// <summary>The namespaces whose ListenerSets may attach to a Gateway.</summary>
public sealed class AllowedListeners
{
    /// <summary>Defaults to from = None.</summary>
    [JsonPropertyName("namespaces")] public ListenerNamespaces? Namespaces { get; set; }
}

public sealed class ListenerNamespaces
{
    /// <summary>None (default), Same, All or Selector.</summary>
    [JsonPropertyName("from")] public string? From { get; set; }

    /// <summary>Namespace label selector, required when from is Selector.</summary>
    [JsonPropertyName("selector")] public V1LabelSelector? Selector { get; set; }
}

public sealed class RouteGroupKind
{
    /// <summary>Defaults to gateway.networking.k8s.io.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
}

public sealed class GatewaySpecAddress
{
    /// <summary>IPAddress (default), Hostname, NamedAddress or a domain-prefixed type.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>Empty asks the implementation to pick an address of the type.</summary>
    [JsonPropertyName("value")] public string? Value { get; set; }
}

public sealed class GatewayInfrastructure
{
    /// <summary>At most 8, applied to resources created for this Gateway.</summary>
    [JsonPropertyName("labels")] public IDictionary<string, string>? Labels { get; set; }

    /// <summary>At most 8.</summary>
    [JsonPropertyName("annotations")] public IDictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("parametersRef")] public LocalParametersReference? ParametersRef { get; set; }
}

public sealed class LocalParametersReference
{
    /// <summary>Required; "" is the core group.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
}

public sealed class GatewayBackendTLS
{
    /// <summary>A kubernetes.io/tls Secret (tls.crt, tls.key) presented to backends that ask for a client certificate.</summary>
    [JsonPropertyName("clientCertificateRef")] public SecretObjectReference? ClientCertificateRef { get; set; }
}

public sealed class GatewayStatus
{
    [JsonPropertyName("addresses")] public IList<GatewayStatusAddress>? Addresses { get; set; }

    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("listeners")] public IList<ListenerStatus>? Listeners { get; set; }

    /// <summary>How many ListenerSets are attached: allowed by allowedListeners, naming this Gateway, and Accepted.</summary>
    [JsonPropertyName("attachedListenerSets")] public int? AttachedListenerSets { get; set; }
}

public sealed class GatewayStatusAddress
{
    [JsonPropertyName("type")] public string? Type { get; set; }

    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

public sealed class ListenerStatus
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("supportedKinds")] public IList<RouteGroupKind>? SupportedKinds { get; set; }

    [JsonPropertyName("attachedRoutes")] public int AttachedRoutes { get; set; }

    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
}
