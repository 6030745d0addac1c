using System.Globalization;
using k8s.Models;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Compiles networking.k8s.io/v1 Ingresses of a class whose controller is <see cref="ControllerName"/>, of class
/// "switchyard" when no IngressClass of that name names another controller, and with no class unless another
/// controller's IngressClass is the cluster's default, into the ingress listener: hosts exact or "*.suffix" (one label), paths Exact and
/// Prefix (element-wise, trailing slash ignored; ImplementationSpecific is Prefix), longest path first with Exact
/// before Prefix, and defaultBackend for everything else.
/// </summary>
internal sealed class IngressCompiler(ProxyInputs inputs, BackendResolver backends)
{
    public const string ControllerName = "switchyard.dev/ingress-controller";
    public const string ClassName = "switchyard";

    /// <summary>Marks the IngressClass that Ingresses without a class belong to.</summary>
    private const string DefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

    public List<string> Warnings { get; } = [];

    /// <summary>The Ingresses this controller serves, oldest first, then by namespace/name.</summary>
    public IEnumerable<V1Ingress> Served()
    {
        // An IngressClass's controller decides who serves its Ingresses, "switchyard" included when such a class exists;
        // an Ingress without a class belongs to the default class's controller when one is marked default.
        var classes = inputs.IngressClasses.Where(c => c.Spec?.Controller == ControllerName).Select(c => c.Metadata.Name).ToHashSet();
        if (!inputs.IngressClasses.Any(c => c.Metadata.Name == ClassName)) classes.Add(ClassName);
        var classless = !inputs.IngressClasses.Any(c => c.Spec?.Controller != ControllerName
            && c.Metadata.Annotations?.TryGetValue(DefaultClassAnnotation, out var isDefault) == true && isDefault == "true");
        foreach (var ingress in inputs.Ingresses.OrderBy(i => i.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(i => $"{i.Metadata.NamespaceProperty}/{i.Metadata.Name}", StringComparer.Ordinal))
        {
            var cls = ingress.Spec?.IngressClassName ?? (ingress.Metadata.Annotations is { } ann && ann.TryGetValue("kubernetes.io/ingress.class", out var legacy) ? legacy : null);
            if (cls is null ? classless : classes.Contains(cls)) yield return ingress;
        }
    }

    /// <summary>
    /// Ingress TLS: each <c>spec.tls</c> entry's Secret serves its hosts (exact or "*.suffix", chosen by SNI); an entry
    /// without hosts serves as the default certificate. The first Ingress (oldest) to name a host keeps it.
    /// </summary>
    /// <param name="now">When the certificates are checked for validity (an expired one is served, with a warning).</param>
    public void AddCertificates(ListenerBuilder listener, DateTime now)
    {
        foreach (var ingress in Served())
        {
            var ns = ingress.Metadata.NamespaceProperty ?? "default";
            foreach (var tls in ingress.Spec?.Tls ?? [])
            {
                if (string.IsNullOrEmpty(tls.SecretName))
                {
                    Warnings.Add($"ingress {ns}/{ingress.Metadata.Name}: spec.tls entry has no secretName; its hosts are not served over TLS");
                    continue;
                }
                var (cert, error) = TlsSecrets.Load(inputs.Secrets, ns, tls.SecretName);
                if (cert is null)
                {
                    Warnings.Add($"ingress {ns}/{ingress.Metadata.Name}: spec.tls secretName {tls.SecretName}: {error}");
                    continue;
                }
                if (TlsSecrets.Validity(cert, now) is { } invalid) Warnings.Add($"ingress {ns}/{ingress.Metadata.Name}: spec.tls secretName {tls.SecretName}: {invalid}");
                var hosts = tls.Hosts is { Count: > 0 } h ? h : [""];
                foreach (var host in hosts) listener.Certificates.TryAdd(host ?? "", cert);
            }
        }
    }

    public void Compile(ListenerBuilder listener)
    {
        foreach (var ingress in Served())
        {
            var ns = ingress.Metadata.NamespaceProperty ?? "default";
            var owner = $"{ns}/{ingress.Metadata.Name}";
            var created = ingress.Metadata.CreationTimestamp ?? DateTime.MinValue;
            var rules = ingress.Spec?.Rules ?? [];
            for (var ri = 0; ri < rules.Count; ri++)
            {
                var rule = rules[ri];
                var paths = rule.Http?.Paths ?? [];
                for (var pi = 0; pi < paths.Count; pi++)
                {
                    var p = paths[pi];
                    var value = string.IsNullOrEmpty(p.Path) ? "/" : p.Path;
                    var exact = p.PathType == "Exact";
                    var matcher = exact ? PathMatcher.Exact(value) : PathMatcher.Prefix(value);
                    var backend = Resolve(ns, p.Backend, owner);
                    var entry = new RouteEntry { Path = matcher, Rule = Rule($"ingress {owner} rule {ri} path {value}", backend) };
                    var length = exact ? value.Length : (value.Length > 1 ? value.TrimEnd('/').Length : 0);
                    var key = new MatchPrecedence(0, length * 2 + (exact ? 1 : 0), false, 0, 0, created, owner, ri, pi);
                    listener.Add(string.IsNullOrEmpty(rule.Host) ? null : rule.Host, key, entry);
                }
            }
            if (ingress.Spec?.DefaultBackend is { } def)
            {
                var entry = new RouteEntry { Path = PathMatcher.Prefix("/"), Rule = Rule($"ingress {owner} default backend", Resolve(ns, def, owner)) };
                listener.Add(null, new MatchPrecedence(int.MaxValue, 0, false, 0, 0, created, owner, int.MaxValue, 0), entry);
            }
        }
    }

    private static RouteRule Rule(string name, Backend backend) => new() { Name = name, Backends = new BackendGroup([backend]) };

    private Backend Resolve(string ns, V1IngressBackend? backend, string owner)
    {
        var svc = backend?.Service;
        if (svc is null)
        {
            var resource = backend?.Resource is { } r ? $"{r.Kind} {ns}/{r.Name}" : "none";
            Warnings.Add($"ingress {owner}: backend {resource}: only service backends are supported");
            return BackendResolver.Broken($"resource {resource}", "resource backends are not supported (only service backends)", 1);
        }
        var port = svc.Port?.Number?.ToString(CultureInfo.InvariantCulture) ?? svc.Port?.Name ?? "";
        var b = backends.Resolve(ns, svc.Name, port, 1);
        if (b.Error is not null) Warnings.Add($"ingress {owner}: backend {b.Name}: {b.Error}");
        return b;
    }
}
