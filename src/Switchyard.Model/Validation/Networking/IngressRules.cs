using System.Net;
using k8s.Models;

namespace Switchyard.Model.Validation.Networking;

/// <summary>
/// API rules for networking.k8s.io/v1 Ingress, as the Kubernetes API server applies them: a default backend or
/// rules; DNS hosts (a wildcard only as the whole first label); paths with a pathType; backends naming exactly one
/// of service or resource, services naming exactly one of port number or port name; TLS hosts and secrets.
/// </summary>
internal sealed class IngressRules : KindRules<V1Ingress>
{
    private static readonly string[] PathTypes = ["Exact", "Prefix", "ImplementationSpecific"];
    private static readonly string[] ForbiddenInPath = ["//", "/./", "/../", "%2f", "%2F"];
    private static readonly string[] ForbiddenPathEnds = ["/..", "/."];

    protected override void Validate(V1Ingress obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        if (spec.DefaultBackend is null && spec.Rules is not { Count: > 0 })
        {
            errors.Invalid("spec", "", "either `defaultBackend` or `rules` must be specified");
        }
        if (spec.DefaultBackend is { } db) ValidateBackend(db, "spec.defaultBackend", errors);
        for (var i = 0; i < (spec.Rules?.Count ?? 0); i++)
        {
            if (spec.Rules![i] is { } rule) ValidateRule(rule, FieldPath.Index("spec.rules", i), errors);
        }
        for (var i = 0; i < (spec.Tls?.Count ?? 0); i++)
        {
            if (spec.Tls![i] is not { } tls) continue;
            var tPath = FieldPath.Index("spec.tls", i);
            for (var j = 0; j < (tls.Hosts?.Count ?? 0); j++) ValidateHost(tls.Hosts![j], FieldPath.Index(FieldPath.Child(tPath, "hosts"), j), errors);
            if (!string.IsNullOrEmpty(tls.SecretName))
            {
                errors.InvalidEach(FieldPath.Child(tPath, "secretName"), tls.SecretName, KubernetesNames.ValidateDns1123Subdomain(tls.SecretName));
            }
        }
        if (spec.IngressClassName is { } className)
        {
            errors.InvalidEach("spec.ingressClassName", className, KubernetesNames.ValidateDns1123Subdomain(className));
        }
    }

    private static void ValidateRule(V1IngressRule rule, string path, List<FieldError> errors)
    {
        if (!string.IsNullOrEmpty(rule.Host)) ValidateHost(rule.Host, FieldPath.Child(path, "host"), errors);
        if (rule.Http is not { } http) return;
        var pathsPath = FieldPath.Child(path, "http.paths");
        if (http.Paths is not { Count: > 0 } paths)
        {
            errors.Required(pathsPath);
            return;
        }
        for (var i = 0; i < paths.Count; i++)
        {
            var pPath = FieldPath.Index(pathsPath, i);
            if (paths[i] is not { } p)
            {
                errors.Required(pPath);
                continue;
            }
            ValidatePath(p, pPath, errors);
            if (p.Backend is null) errors.Required(FieldPath.Child(pPath, "backend"));
            else ValidateBackend(p.Backend, FieldPath.Child(pPath, "backend"), errors);
        }
    }

    /// <summary>A DNS name, not an IP; "*" may only be the whole first label ("*.example.com").</summary>
    private static void ValidateHost(string? host, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(host)) return;
        if (IPAddress.TryParse(host, out _))
        {
            errors.Invalid(path, host, "must be a DNS name, not an IP address");
            return;
        }
        if (host.StartsWith("*.", StringComparison.Ordinal))
        {
            foreach (var m in KubernetesNames.ValidateDns1123Subdomain(host[2..]))
            {
                errors.Invalid(path, host, $"a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain (e.g. '*.example.com'); {m}");
            }
        }
        else if (host.Contains('*', StringComparison.Ordinal))
        {
            errors.Invalid(path, host, "a wildcard is only allowed as the whole first label (e.g. '*.example.com')");
        }
        else errors.InvalidEach(path, host, KubernetesNames.ValidateDns1123Subdomain(host));
    }

    private static void ValidatePath(V1HTTPIngressPath p, string path, List<FieldError> errors)
    {
        var typePath = FieldPath.Child(path, "pathType");
        var valuePath = FieldPath.Child(path, "path");
        if (string.IsNullOrEmpty(p.PathType))
        {
            errors.Required(typePath, "pathType must be specified");
            return;
        }
        if (!PathTypes.Contains(p.PathType, StringComparer.Ordinal))
        {
            errors.NotSupported(typePath, p.PathType, PathTypes);
            return;
        }
        var value = p.Path ?? "";
        if (p.PathType == "ImplementationSpecific")
        {
            if (value.Length > 0 && !value.StartsWith('/')) errors.Invalid(valuePath, value, "must be an absolute path");
            return;
        }
        if (!value.StartsWith('/'))
        {
            errors.Invalid(valuePath, value, "must be an absolute path");
            return;
        }
        foreach (var s in ForbiddenInPath)
        {
            if (value.Contains(s, StringComparison.Ordinal)) errors.Invalid(valuePath, value, $"must not contain '{s}'");
        }
        foreach (var s in ForbiddenPathEnds)
        {
            if (value.EndsWith(s, StringComparison.Ordinal)) errors.Invalid(valuePath, value, $"cannot end with '{s}'");
        }
    }

    private static void ValidateBackend(V1IngressBackend backend, string path, List<FieldError> errors)
    {
        if (backend.Service is not null && backend.Resource is not null)
        {
            errors.Invalid(path, "", "cannot set both resource and service backends");
        }
        else if (backend.Service is null && backend.Resource is null)
        {
            errors.Required(path, "one of service or resource must be set");
        }
        if (backend.Service is { } svc)
        {
            var sPath = FieldPath.Child(path, "service");
            if (string.IsNullOrEmpty(svc.Name)) errors.Required(FieldPath.Child(sPath, "name"));
            else errors.InvalidEach(FieldPath.Child(sPath, "name"), svc.Name, KubernetesNames.ValidateDns1035Label(svc.Name));
            var portPath = FieldPath.Child(sPath, "port");
            var port = svc.Port;
            var hasName = !string.IsNullOrEmpty(port?.Name);
            var hasNumber = port?.Number is not null;
            if (hasName && hasNumber) errors.Invalid(portPath, "", "cannot set both port name & port number");
            else if (!hasName && !hasNumber) errors.Required(portPath, "port name or number is required");
            if (hasName) errors.InvalidEach(FieldPath.Child(portPath, "name"), port!.Name, KubernetesNames.ValidatePortName(port.Name));
            if (port?.Number is { } n && (n < 1 || n > 65535)) errors.Invalid(FieldPath.Child(portPath, "number"), n, "must be between 1 and 65535, inclusive");
        }
        if (backend.Resource is { } res)
        {
            var rPath = FieldPath.Child(path, "resource");
            if (!string.IsNullOrEmpty(res.ApiGroup))
            {
                errors.InvalidEach(FieldPath.Child(rPath, "apiGroup"), res.ApiGroup, KubernetesNames.ValidateDns1123Subdomain(res.ApiGroup));
            }
            if (string.IsNullOrEmpty(res.Kind)) errors.Required(FieldPath.Child(rPath, "kind"));
            if (string.IsNullOrEmpty(res.Name)) errors.Required(FieldPath.Child(rPath, "name"));
        }
    }
}
