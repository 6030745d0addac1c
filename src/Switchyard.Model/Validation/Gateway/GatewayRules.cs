using System.Net;
using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for Gateway, as the v1 CRD defaults and validates it: listeners (names, ports, protocols, hostnames,
/// TLS, allowed routes, distinctness), requested addresses, infrastructure settings, and Gateway-wide TLS
/// (<c>spec.tls</c>: client certificate validation, the client certificate for backends); and the Gateway annotations
/// of the gateway.switchyard.dev prefix (<see cref="ProxyProtocolAnnotations"/>, <see cref="ForwardedForAnnotations"/>).
/// </summary>
internal sealed class GatewayRules : KindRules<Model.Gateway.Gateway>
{
    public const int MaxListeners = 64;
    public const int MaxAddresses = 16;
    public const int MaxCertificateRefs = 64;
    public const int MaxTlsOptions = 16;
    public const int MaxCaCertificateRefs = 8;
    public const int MaxRouteKinds = 8;
    public const int MaxInfrastructureEntries = 8;
    public const int MaxPerPort = 64;

    private static readonly string[] CoreProtocols = [Protocols.HTTP, Protocols.HTTPS, Protocols.TLS, Protocols.TCP, Protocols.UDP];
    private static readonly string[] TlsModeValues = [TlsModes.Terminate, TlsModes.Passthrough];
    private static readonly string[] FromValues = [FromNamespaces.All, FromNamespaces.Selector, FromNamespaces.Same];
    private static readonly string[] CoreAddressTypes = [AddressTypes.IPAddress, AddressTypes.Hostname, AddressTypes.NamedAddress];
    private static readonly string[] FrontendModeValues = [FrontendValidationModes.AllowValidOnly, FrontendValidationModes.AllowInsecureFallback];

    protected override void Default(Model.Gateway.Gateway obj)
    {
        if (obj.Spec is not { } spec) return;
        DefaultListeners(spec.Listeners);
        if (spec.AllowedListeners is { } allowed)
        {
            allowed.Namespaces ??= new ListenerNamespaces();
            allowed.Namespaces.From ??= FromNamespaces.None;
        }
        foreach (var a in spec.Addresses ?? []) a?.Type ??= AddressTypes.IPAddress;
        if (spec.Tls?.Backend?.ClientCertificateRef is { } client) DefaultSecretRef(client);
        if (spec.Tls?.Frontend is { } frontend)
        {
            frontend.Default?.Validation?.Mode ??= FrontendValidationModes.AllowValidOnly;
            foreach (var p in frontend.PerPort ?? []) p?.Tls?.Validation?.Mode ??= FrontendValidationModes.AllowValidOnly;
        }
    }

    /// <summary>The CRD defaults of listeners, a Gateway's or a ListenerSet's: allowedRoutes from Same, TLS mode Terminate, core Secret refs.</summary>
    internal static void DefaultListeners(IList<Listener>? listeners)
    {
        foreach (var l in listeners ?? [])
        {
            if (l is null) continue;
            l.AllowedRoutes ??= new AllowedRoutes();
            l.AllowedRoutes.Namespaces ??= new RouteNamespaces();
            l.AllowedRoutes.Namespaces.From ??= FromNamespaces.Same;
            foreach (var k in l.AllowedRoutes.Kinds ?? []) k?.Group ??= GatewayApi.Group;
            if (l.Tls is { } tls)
            {
                tls.Mode ??= TlsModes.Terminate;
                foreach (var c in tls.CertificateRefs ?? []) DefaultSecretRef(c);
            }
        }
    }

    private static void DefaultSecretRef(SecretObjectReference? r)
    {
        if (r is null) return;
        r.Group ??= "";
        r.Kind ??= "Secret";
    }

    protected override void Validate(Model.Gateway.Gateway obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Metadata?.Annotations?.TryGetValue(ProxyProtocolAnnotations.Gateway, out var proxyProtocol) == true && !ProxyProtocolAnnotations.GatewayValues.Contains(proxyProtocol))
            errors.NotSupported(ProxyProtocolAnnotations.PathOf(ProxyProtocolAnnotations.Gateway), proxyProtocol, ProxyProtocolAnnotations.GatewayValues);
        var forwardedFor = new List<ForwardedForProblem>();
        ForwardedForAnnotations.Of(obj.Metadata?.Annotations, forwardedFor);
        foreach (var p in forwardedFor)
        {
            if (p.Entry is null) errors.Forbidden(ProxyProtocolAnnotations.PathOf(p.Annotation), p.Problem);
            else errors.Invalid(ProxyProtocolAnnotations.PathOf(p.Annotation), p.Entry, p.Problem);
        }
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        GatewayFields.RequiredString(spec.GatewayClassName, "spec.gatewayClassName", GatewayFields.MaxObjectName, errors);
        ValidateListeners(spec.Listeners, "spec.listeners", "a Gateway needs at least one listener", errors);
        ValidateAllowedListeners(spec.AllowedListeners, errors);
        ValidateAddresses(spec.Addresses, errors);
        ValidateInfrastructure(spec.Infrastructure, errors);
        if (spec.Tls is { } tls) ValidateGatewayTls(tls, errors);
        if (spec.BackendTLS is not null)
        {
            errors.Forbidden("spec.backendTLS", "removed in Gateway API v1.5; set the client certificate in spec.tls.backend.clientCertificateRef");
        }
    }

    private static void ValidateGatewayTls(GatewayTLS tls, List<FieldError> errors)
    {
        if (tls.Backend?.ClientCertificateRef is { } client) GatewayFields.SecretRef(client, "spec.tls.backend.clientCertificateRef", errors);
        if (tls.Frontend is not { } frontend) return;
        const string root = "spec.tls.frontend";
        if (frontend.Default is null) errors.Required(FieldPath.Child(root, "default"), "the validation of HTTPS listeners without a perPort entry (may be {})");
        else ValidateTlsConfig(frontend.Default, FieldPath.Child(root, "default"), errors);
        if (frontend.PerPort is not { } perPort) return;
        var perPortPath = FieldPath.Child(root, "perPort");
        GatewayFields.MaxItems(perPort, perPortPath, MaxPerPort, errors);
        var ports = new HashSet<int>();
        for (var i = 0; i < perPort.Count; i++)
        {
            var path = FieldPath.Index(perPortPath, i);
            if (perPort[i] is not { } p)
            {
                errors.Required(path);
                continue;
            }
            GatewayFields.RequiredPort(p.Port, FieldPath.Child(path, "port"), errors);
            if (p.Port != 0 && !ports.Add(p.Port)) errors.Duplicate(FieldPath.Child(path, "port"), p.Port);
            if (p.Tls is null) errors.Required(FieldPath.Child(path, "tls"));
            else ValidateTlsConfig(p.Tls, FieldPath.Child(path, "tls"), errors);
        }
    }

    private static void ValidateTlsConfig(TLSConfig config, string path, List<FieldError> errors)
    {
        if (config.Validation is not { } validation) return;
        var validationPath = FieldPath.Child(path, "validation");
        var caPath = FieldPath.Child(validationPath, "caCertificateRefs");
        if (validation.CaCertificateRefs is not { Count: > 0 } cas) errors.Required(caPath, "at least one ConfigMap (or Secret) holding the CA certificates in ca.crt");
        else
        {
            GatewayFields.MaxItems(cas, caPath, MaxCaCertificateRefs, errors);
            for (var i = 0; i < cas.Count; i++) GatewayFields.ObjectRef(cas[i], FieldPath.Index(caPath, i), errors);
        }
        GatewayFields.OneOf(validation.Mode, FieldPath.Child(validationPath, "mode"), FrontendModeValues, errors);
    }

    private static readonly string[] ListenerFromValues = [FromNamespaces.None, FromNamespaces.Same, FromNamespaces.All, FromNamespaces.Selector];

    private static void ValidateAllowedListeners(AllowedListeners? allowed, List<FieldError> errors)
    {
        if (allowed?.Namespaces is not { } ns) return;
        const string path = "spec.allowedListeners.namespaces";
        GatewayFields.OneOf(ns.From, FieldPath.Child(path, "from"), ListenerFromValues, errors);
        if (ns.From == FromNamespaces.Selector && ns.Selector is null)
        {
            errors.Required(FieldPath.Child(path, "selector"), "from: Selector needs a namespace selector");
        }
        MetadataRules.ValidateLabelSelector(ns.Selector, FieldPath.Child(path, "selector"), errors);
    }

    /// <summary>
    /// The listeners of a Gateway or a ListenerSet (<paramref name="root"/>): 1 to 64, names unique, port, protocol and
    /// hostname distinct, and each listener's own fields. <paramref name="empty"/> is the message when there are none.
    /// </summary>
    internal static void ValidateListeners(IList<Listener>? listeners, string root, string empty, List<FieldError> errors)
    {
        if (listeners is not { Count: > 0 })
        {
            errors.Required(root, empty);
            return;
        }
        GatewayFields.MaxItems(listeners, root, MaxListeners, errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var endpoints = new Dictionary<(int, string, string), int>();
        for (var i = 0; i < listeners.Count; i++)
        {
            var path = FieldPath.Index(root, i);
            if (listeners[i] is not { } l)
            {
                errors.Required(path);
                continue;
            }
            ValidateListener(l, path, errors);
            if (!string.IsNullOrEmpty(l.Name) && !names.Add(l.Name)) errors.Duplicate(FieldPath.Child(path, "name"), l.Name);
            var key = (l.Port, l.Protocol, l.Hostname ?? "");
            if (endpoints.TryGetValue(key, out var first))
            {
                errors.Invalid(path, $"{l.Protocol}/{l.Port}" + (l.Hostname is null ? "" : $" {l.Hostname}"),
                    $"port, protocol and hostname must be distinct from every other listener (same as {FieldPath.Index(root, first)})");
            }
            else endpoints[key] = i;
        }
    }

    private static void ValidateListener(Listener l, string path, List<FieldError> errors)
    {
        GatewayFields.SectionName(l.Name, FieldPath.Child(path, "name"), errors);
        GatewayFields.RequiredPort(l.Port, FieldPath.Child(path, "port"), errors);
        var protocolPath = FieldPath.Child(path, "protocol");
        if (string.IsNullOrEmpty(l.Protocol)) errors.Required(protocolPath);
        else if (!CoreProtocols.Contains(l.Protocol, StringComparer.Ordinal) && !GatewayFields.IsDomainPrefixed(l.Protocol))
        {
            errors.NotSupported(protocolPath, l.Protocol, [.. CoreProtocols, "<domain>/<name> (implementation-specific)"]);
        }
        var hostnamePath = FieldPath.Child(path, "hostname");
        if (l.Hostname is not null)
        {
            if (l.Protocol is Protocols.TCP or Protocols.UDP)
            {
                if (l.Hostname.Length > 0) errors.Forbidden(hostnamePath, $"a hostname can not be matched on protocol {l.Protocol}");
            }
            else GatewayFields.Hostname(l.Hostname, hostnamePath, errors);
        }
        if (l.Tls is { } tls)
        {
            if (l.Protocol is Protocols.HTTP or Protocols.TCP or Protocols.UDP)
            {
                errors.Forbidden(FieldPath.Child(path, "tls"), $"tls may not be set for protocol {l.Protocol}; use HTTPS or TLS");
            }
            if (l.Protocol == Protocols.HTTPS && tls.Mode is TlsModes.Passthrough)
            {
                errors.Invalid(FieldPath.Child(path, "tls.mode"), tls.Mode, "an HTTPS listener terminates TLS: use Terminate, or protocol TLS for Passthrough");
            }
            ValidateTls(tls, FieldPath.Child(path, "tls"), errors);
        }
        else if (l.Protocol == Protocols.TLS)
        {
            errors.Required(FieldPath.Child(path, "tls"), "a TLS listener needs tls.mode (Passthrough, or Terminate with certificateRefs)");
        }
        if (l.AllowedRoutes is { } allowed) ValidateAllowedRoutes(allowed, FieldPath.Child(path, "allowedRoutes"), errors);
    }

    private static void ValidateTls(GatewayTLSConfig tls, string path, List<FieldError> errors)
    {
        GatewayFields.OneOf(tls.Mode, FieldPath.Child(path, "mode"), TlsModeValues, errors);
        var certsPath = FieldPath.Child(path, "certificateRefs");
        GatewayFields.MaxItems(tls.CertificateRefs, certsPath, MaxCertificateRefs, errors);
        for (var i = 0; i < (tls.CertificateRefs?.Count ?? 0); i++)
        {
            GatewayFields.SecretRef(tls.CertificateRefs![i], FieldPath.Index(certsPath, i), errors);
        }
        if ((tls.Mode ?? TlsModes.Terminate) == TlsModes.Terminate && (tls.CertificateRefs?.Count ?? 0) == 0 && (tls.Options?.Count ?? 0) == 0)
        {
            errors.Required(certsPath, "mode Terminate needs at least one certificateRef (or implementation options)");
        }
        var optionsPath = FieldPath.Child(path, "options");
        if (tls.Options is { } options)
        {
            if (options.Count > MaxTlsOptions) errors.TooMany(optionsPath, options.Count, MaxTlsOptions);
            foreach (var (key, value) in options.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                errors.InvalidEach(FieldPath.Key(optionsPath, key), key, KubernetesNames.ValidateQualifiedName(key));
                GatewayFields.MaxLength(value, FieldPath.Key(optionsPath, key), 4096, errors);
            }
        }
        if (tls.FrontendValidation is not null)
        {
            errors.Forbidden(FieldPath.Child(path, "frontendValidation"),
                "removed in Gateway API v1.5; client certificates are validated per Gateway in spec.tls.frontend (default, or perPort for this listener's port)");
        }
    }

    private static void ValidateAllowedRoutes(AllowedRoutes allowed, string path, List<FieldError> errors)
    {
        if (allowed.Namespaces is { } ns)
        {
            var nsPath = FieldPath.Child(path, "namespaces");
            GatewayFields.OneOf(ns.From, FieldPath.Child(nsPath, "from"), FromValues, errors);
            if (ns.From == FromNamespaces.Selector && ns.Selector is null)
            {
                errors.Required(FieldPath.Child(nsPath, "selector"), "from: Selector needs a namespace selector");
            }
            MetadataRules.ValidateLabelSelector(ns.Selector, FieldPath.Child(nsPath, "selector"), errors);
        }
        var kindsPath = FieldPath.Child(path, "kinds");
        GatewayFields.MaxItems(allowed.Kinds, kindsPath, MaxRouteKinds, errors);
        for (var i = 0; i < (allowed.Kinds?.Count ?? 0); i++)
        {
            var kPath = FieldPath.Index(kindsPath, i);
            if (allowed.Kinds![i] is not { } k)
            {
                errors.Required(kPath);
                continue;
            }
            GatewayFields.Group(k.Group, FieldPath.Child(kPath, "group"), errors);
            GatewayFields.Kind(k.Kind, FieldPath.Child(kPath, "kind"), errors);
        }
    }

    private static void ValidateAddresses(IList<GatewaySpecAddress>? addresses, List<FieldError> errors)
    {
        const string root = "spec.addresses";
        if (addresses is null) return;
        GatewayFields.MaxItems(addresses, root, MaxAddresses, errors);
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < addresses.Count; i++)
        {
            var path = FieldPath.Index(root, i);
            if (addresses[i] is not { } a)
            {
                errors.Required(path);
                continue;
            }
            var type = a.Type ?? AddressTypes.IPAddress;
            var typePath = FieldPath.Child(path, "type");
            if (!CoreAddressTypes.Contains(type, StringComparer.Ordinal) && !GatewayFields.IsDomainPrefixed(type))
            {
                errors.NotSupported(typePath, type, [.. CoreAddressTypes, "<domain>/<name> (implementation-specific)"]);
            }
            if (string.IsNullOrEmpty(a.Value)) continue;
            var valuePath = FieldPath.Child(path, "value");
            GatewayFields.MaxLength(a.Value, valuePath, 253, errors);
            if (type == AddressTypes.IPAddress && !IPAddress.TryParse(a.Value, out _))
            {
                errors.Invalid(valuePath, a.Value, "must be an IPv4 or IPv6 address");
            }
            else if (type == AddressTypes.Hostname) GatewayFields.Hostname(a.Value, valuePath, errors);
            if (type is AddressTypes.IPAddress or AddressTypes.Hostname && !seen.Add((type, a.Value))) errors.Duplicate(valuePath, a.Value);
        }
    }

    private static void ValidateInfrastructure(GatewayInfrastructure? infra, List<FieldError> errors)
    {
        if (infra is null) return;
        if (infra.Labels is { } labels)
        {
            if (labels.Count > MaxInfrastructureEntries) errors.TooMany("spec.infrastructure.labels", labels.Count, MaxInfrastructureEntries);
            MetadataRules.ValidateLabels(labels, "spec.infrastructure.labels", errors);
        }
        if (infra.Annotations is { } annotations)
        {
            if (annotations.Count > MaxInfrastructureEntries) errors.TooMany("spec.infrastructure.annotations", annotations.Count, MaxInfrastructureEntries);
            MetadataRules.ValidateAnnotations(annotations, "spec.infrastructure.annotations", errors);
        }
        if (infra.ParametersRef is { } p) GatewayFields.LocalRef(p.Group, p.Kind, p.Name, "spec.infrastructure.parametersRef", errors);
    }
}
